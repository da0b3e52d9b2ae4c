import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { fastAcceptCommand, validateCommand, validateCommandStrictly } from '../src/index.js';

/**
 * THE key property of the validation fast path: it may only accept what class-validator (the
 * definition) accepts. Anything else would let the engine apply a command the contract refuses.
 */

const userId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const clientOrderId = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/);
const orderId = fc.stringMatching(/^[A-Z0-9]{1,12}-[A-Z0-9]{1,12}-[0-9]{1,16}$/);
const decimal = fc.stringMatching(/^(0|[1-9][0-9]{0,12})(\.[0-9]{1,8})?$/);

const validPlace = fc.oneof(
  fc.record(
    {
      type: fc.constant('place'),
      userId,
      clientOrderId,
      side: fc.constantFrom('buy', 'sell'),
      orderType: fc.constant('limit'),
      price: decimal,
      quantity: decimal,
      timeInForce: fc.constantFrom('GTC', 'IOC', 'FOK'),
      postOnly: fc.boolean(),
      stp: fc.constantFrom('none', 'expire_taker', 'expire_maker', 'expire_both'),
    },
    { requiredKeys: ['type', 'userId', 'clientOrderId', 'side', 'orderType', 'price', 'quantity'] },
  ),
  fc.record(
    {
      type: fc.constant('place'),
      userId,
      clientOrderId,
      side: fc.constantFrom('buy', 'sell'),
      orderType: fc.constant('market'),
      quantity: decimal,
      timeInForce: fc.constantFrom('GTC', 'IOC', 'FOK'),
      postOnly: fc.boolean(),
      stp: fc.constantFrom('none', 'expire_taker', 'expire_maker', 'expire_both'),
    },
    { requiredKeys: ['type', 'userId', 'clientOrderId', 'side', 'orderType', 'quantity'] },
  ),
);
const validCancel = fc.oneof(
  fc.record({ type: fc.constant('cancel'), userId, orderId }),
  fc.record({ type: fc.constant('cancel'), userId, clientOrderId }),
);
// fc.record builds null-prototype objects; JSON.parse (the engine's only source) never does.
const validCommand: fc.Arbitrary<Record<string, unknown>> = fc.oneof(validPlace, validCancel).map((command) => ({ ...command }));

const FIELDS = ['type', 'userId', 'clientOrderId', 'orderId', 'side', 'orderType', 'price', 'quantity', 'timeInForce', 'postOnly', 'stp'];
const EXTRA_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'symbol', 'extra', '', ' type', 'Type'];

/** Values that are wrong (or right) for some field: the mutation vocabulary. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    undefined,
    null,
    0,
    1,
    -1,
    1.5,
    Number.NaN,
    true,
    false,
    '',
    ' ',
    '0',
    '1',
    '1.0',
    '1e5',
    '-1',
    '+1',
    '.5',
    '5.',
    '01',
    ' 1',
    '1 ',
    'place',
    'cancel',
    'buy',
    'sell',
    'BUY',
    'limit',
    'market',
    'GTC',
    'gtc',
    'IOC',
    'FOK',
    'none',
    'expire_taker',
    'expire_both',
    'true',
    'BTC-USD-1',
    'BTC-USD',
    'a.b',
    '*',
    '>',
    'ü',
    'x'.repeat(65),
    [],
    ['1'],
    {},
    { toString: '1' },
  ),
  decimal,
  orderId,
  userId,
  fc.string({ maxLength: 12 }),
  fc.anything({ maxDepth: 2 }),
);

/** A valid command with 1-3 fields replaced, removed or added. */
const nearValid = fc
  .tuple(validCommand, fc.array(fc.tuple(fc.constantFrom(...FIELDS, ...EXTRA_KEYS), oddValue), { minLength: 1, maxLength: 3 }))
  .map(([command, mutations]) => {
    const copy: Record<string, unknown> = { ...command };
    for (const [key, value] of mutations) {
      // defineProperty so that "__proto__" becomes an own key, exactly as JSON.parse makes it.
      Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
    }
    return copy;
  });

/** The same objects as they arrive from the wire: JSON text parsed (drops undefined, keeps __proto__ keys). */
const nearValidFromJson = nearValid.map((command) => {
  try {
    return JSON.parse(JSON.stringify(command)) as unknown;
  } catch {
    return command; // e.g. a bigint from fc.anything
  }
});

const arbitraryObject = fc.dictionary(fc.constantFrom(...FIELDS, ...EXTRA_KEYS), oddValue, { maxKeys: 12 });

function fastImpliesStrict(raw: unknown): boolean {
  if (!fastAcceptCommand(raw)) return true;
  const strict = validateCommandStrictly(raw);
  if (!strict.ok) throw new Error(`fast path accepted what class-validator refuses: ${JSON.stringify(strict.details)}`);
  // and both see the same command (class-validator's copy holds exactly the fields it was given)
  expect({ ...strict.value }).toEqual({ ...(raw as object) });
  return true;
}

describe('fastAcceptCommand never accepts what class-validator refuses', () => {
  it('for valid commands with fields mutated (wrong types, null, missing, extra keys)', () => {
    let fastAccepted = 0;
    fc.assert(
      fc.property(nearValid, (raw) => {
        if (fastAcceptCommand(raw)) fastAccepted++;
        return fastImpliesStrict(raw);
      }),
      { numRuns: 3000 },
    );
    // Mutations that keep a command valid (e.g. timeInForce "GTC" -> "IOC") must exist, or this
    // property would only ever exercise the fast path's refusals.
    expect(fastAccepted).toBeGreaterThan(30);
  });

  it('for the same commands after a JSON round trip', () => {
    fc.assert(fc.property(nearValidFromJson, fastImpliesStrict), { numRuns: 2000 });
  });

  it('for arbitrary objects made of command keys and odd values', () => {
    fc.assert(fc.property(arbitraryObject, fastImpliesStrict), { numRuns: 2000 });
  });

  it('for anything at all', () => {
    fc.assert(fc.property(fc.anything(), fastImpliesStrict), { numRuns: 1000 });
  });
});

describe('the fast path keeps the engine fast', () => {
  it('accepts every generated valid command, and class-validator agrees', () => {
    fc.assert(
      fc.property(validCommand, (raw) => {
        expect(fastAcceptCommand(raw)).toBe(true);
        expect(validateCommandStrictly(raw).ok).toBe(true);
        expect(fastAcceptCommand(JSON.parse(JSON.stringify(raw)))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('validateCommand returns the very object it was given when the fast path accepts', () => {
    const raw = { type: 'place', userId: 'u', clientOrderId: 'c', side: 'buy', orderType: 'limit', price: '1.00', quantity: '2' };
    const result = validateCommand(raw);
    expect(result.ok && result.value).toBe(raw);
  });

  it.each([
    ['own __proto__ key', JSON.parse('{"type":"cancel","userId":"u","orderId":"A-B-1","__proto__":{}}')],
    ['class instance', Object.assign(new (class Cmd {})(), { type: 'cancel', userId: 'u', orderId: 'A-B-1' })],
    ['null-prototype object', Object.assign(Object.create(null), { type: 'cancel', userId: 'u', orderId: 'A-B-1' })],
    ['both cancel targets', { type: 'cancel', userId: 'u', orderId: 'A-B-1', clientOrderId: 'c' }],
    ['market with price', { type: 'place', userId: 'u', clientOrderId: 'c', side: 'buy', orderType: 'market', price: '1', quantity: '1' }],
    ['limit without price', { type: 'place', userId: 'u', clientOrderId: 'c', side: 'buy', orderType: 'limit', quantity: '1' }],
    ['null timeInForce', { type: 'place', userId: 'u', clientOrderId: 'c', side: 'buy', orderType: 'market', quantity: '1', timeInForce: null }],
  ])('leaves %s to class-validator', (_label, raw) => {
    expect(fastAcceptCommand(raw)).toBe(false);
  });
});

describe('validateCommand', () => {
  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), nearValid, arbitraryObject), (raw) => {
        const result = validateCommand(raw);
        expect(typeof result.ok).toBe('boolean');
        if (!result.ok) expect(Object.keys(result.details).length).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });
});
