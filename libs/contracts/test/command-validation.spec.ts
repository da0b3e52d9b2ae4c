import { describe, expect, it } from '@jest/globals';
import { CancelCommandDto, PlaceCommandDto, validateCommand, validateCommandStrictly, validateDto } from '../src/index.js';

const limit = {
  type: 'place',
  userId: 'alice',
  clientOrderId: 'c-1',
  side: 'buy',
  orderType: 'limit',
  price: '50000.00',
  quantity: '0.5',
} as const;
const market = { type: 'place', userId: 'bob', clientOrderId: 'm-1', side: 'sell', orderType: 'market', quantity: '1' } as const;
const cancelById = { type: 'cancel', userId: 'alice', orderId: 'BTC-USD-42' } as const;
const cancelByClientId = { type: 'cancel', userId: 'alice', clientOrderId: 'c-1' } as const;

/** Runs both the public entry point and the class-validator reference; they must agree. */
function refusal(raw: unknown): Record<string, string> {
  const viaFastPath = validateCommand(raw);
  const strict = validateCommandStrictly(raw);
  expect(viaFastPath).toEqual(strict);
  if (strict.ok) throw new Error(`expected a refusal for ${JSON.stringify(raw)}`);
  return strict.details;
}

function accepted(raw: unknown): void {
  const viaFastPath = validateCommand(raw);
  const strict = validateCommandStrictly(raw);
  expect(strict).toMatchObject({ ok: true });
  expect(viaFastPath).toMatchObject({ ok: true });
  if (viaFastPath.ok && strict.ok) expect({ ...viaFastPath.value }).toEqual({ ...strict.value });
}

describe('valid commands', () => {
  it.each([
    ['limit', limit],
    ['market', market],
    ['limit with every option', { ...limit, timeInForce: 'IOC', postOnly: false, stp: 'expire_both' }],
    ['limit FOK post-only', { ...limit, timeInForce: 'FOK', postOnly: true, stp: 'none' }],
    ['market IOC', { ...market, timeInForce: 'IOC', stp: 'expire_maker' }],
    ['limit zero quantity (a symbol rule, not a DTO rule)', { ...limit, quantity: '0' }],
    ['limit with an integer price', { ...limit, price: '50000' }],
    ['cancel by orderId', cancelById],
    ['cancel by clientOrderId', cancelByClientId],
    ['edge-length ids', { ...limit, userId: 'u'.repeat(64), clientOrderId: 'c'.repeat(64) }],
  ])('accepts %s', (_label, command) => {
    accepted(command);
  });

  it('returns the command unchanged and does not mutate the input', () => {
    const input = JSON.parse(JSON.stringify(limit));
    const before = JSON.stringify(input);
    const result = validateCommand(input);
    expect(result.ok && JSON.stringify(result.value)).toBe(before);
    expect(JSON.stringify(input)).toBe(before);
    const strict = validateCommandStrictly(JSON.parse(JSON.stringify({ ...limit, extra: 1 })));
    expect(strict.ok).toBe(false);
  });
});

describe('VALIDATION_FAILED details name each bad field', () => {
  it.each([
    ['number price', { ...limit, price: 50000 }, ['price']],
    ['number quantity', { ...limit, quantity: 1 }, ['quantity']],
    ['both numbers', { ...limit, price: 1, quantity: 1 }, ['price', 'quantity']],
    ['exponent', { ...limit, quantity: '1e5' }, ['quantity']],
    ['negative', { ...limit, quantity: '-1' }, ['quantity']],
    ['plus sign', { ...limit, price: '+1' }, ['price']],
    ['leading zero', { ...limit, price: '01.00' }, ['price']],
    ['bare fraction', { ...limit, price: '.5' }, ['price']],
    ['trailing dot', { ...limit, quantity: '5.' }, ['quantity']],
    ['blank', { ...limit, quantity: '' }, ['quantity']],
    ['spaces', { ...limit, quantity: ' 1' }, ['quantity']],
    ['null price on limit', { ...limit, price: null }, ['price']],
    ['limit without price', { ...limit, price: undefined }, ['price']],
    ['market with price', { ...market, price: '1.00' }, ['price']],
    ['market with null price', { ...market, price: null }, ['price']],
    ['bad side', { ...limit, side: 'BUY' }, ['side']],
    ['missing side', { ...limit, side: undefined }, ['side']],
    ['bad orderType', { ...limit, orderType: 'stop' }, ['orderType']],
    ['bad timeInForce', { ...limit, timeInForce: 'gtc' }, ['timeInForce']],
    ['null timeInForce', { ...limit, timeInForce: null }, ['timeInForce']],
    ['string postOnly', { ...limit, postOnly: 'true' }, ['postOnly']],
    ['number postOnly', { ...limit, postOnly: 1 }, ['postOnly']],
    ['null postOnly', { ...limit, postOnly: null }, ['postOnly']],
    ['bad stp', { ...limit, stp: 'cancel_newest' }, ['stp']],
    ['null stp', { ...limit, stp: null }, ['stp']],
    ['userId with dot', { ...limit, userId: 'a.b' }, ['userId']],
    ['userId wildcard', { ...limit, userId: '*' }, ['userId']],
    ['userId too long', { ...limit, userId: 'u'.repeat(65) }, ['userId']],
    ['userId number', { ...limit, userId: 7 }, ['userId']],
    ['missing userId', { ...limit, userId: undefined }, ['userId']],
    ['clientOrderId empty', { ...limit, clientOrderId: '' }, ['clientOrderId']],
    ['clientOrderId too long', { ...limit, clientOrderId: 'c'.repeat(65) }, ['clientOrderId']],
    ['clientOrderId with space', { ...limit, clientOrderId: 'a b' }, ['clientOrderId']],
    ['unknown field', { ...limit, leverage: 10 }, ['leverage']],
    ['symbol field (not part of the command)', { ...limit, symbol: 'BTC-USD' }, ['symbol']],
    ['several bad fields', { ...limit, side: 'x', quantity: 2, extra: true }, ['side', 'quantity', 'extra']],
    ['cancel without target', { type: 'cancel', userId: 'alice' }, ['orderId']],
    ['cancel with both targets', { ...cancelById, clientOrderId: 'c-1' }, ['orderId']],
    ['cancel with null clientOrderId', { type: 'cancel', userId: 'alice', clientOrderId: null }, ['clientOrderId']],
    ['cancel with null orderId', { type: 'cancel', userId: 'alice', orderId: null }, ['orderId']],
    ['cancel with bad orderId', { ...cancelById, orderId: 'x' }, ['orderId']],
    ['cancel with number orderId', { ...cancelById, orderId: 42 }, ['orderId']],
    ['cancel with place fields', { ...cancelById, price: '1.00' }, ['price']],
    ['cancel with bad userId', { ...cancelById, userId: 'a b' }, ['userId']],
  ])('%s', (_label, command, fields) => {
    expect(Object.keys(refusal(command)).sort()).toEqual([...fields].sort());
  });

  it('gives readable messages', () => {
    expect(refusal({ ...limit, price: 50000 }).price).toMatch(/price must be a decimal string/);
    expect(refusal({ ...limit, price: undefined }).price).toBe('price is required for limit orders');
    expect(refusal({ ...market, price: '1' }).price).toBe('price must be absent for market orders');
    expect(refusal({ ...limit, leverage: 1 }).leverage).toBe('leverage is not an allowed field');
    expect(refusal({ type: 'cancel', userId: 'u' }).orderId).toBe('orderId or clientOrderId is required');
    expect(refusal({ ...cancelById, clientOrderId: 'c' }).orderId).toBe('give orderId or clientOrderId, not both');
    expect(refusal({ ...limit, stp: 'x' }).stp).toMatch(/none, expire_taker, expire_maker, expire_both/);
  });

  it.each([
    ['__proto__', '{"__proto__":{"ok":true}}'],
    ['constructor', '{"constructor":"x"}'],
    ['hasOwnProperty', '{"hasOwnProperty":1}'],
    ['toString', '{"toString":"x"}'],
  ])('names the unknown field %s that JSON.parse makes an own key', (key, extra) => {
    const raw = JSON.parse(JSON.stringify(limit).slice(0, -1) + ',' + extra.slice(1));
    const details = refusal(raw);
    expect(Object.keys(details)).toEqual([key]);
    expect(JSON.parse(JSON.stringify(details))).toEqual({ [key]: `${key} is not an allowed field` });
  });

  it.each([
    ['null', null],
    ['array', [limit]],
    ['string', JSON.stringify(limit)],
    ['number', 1],
    ['undefined', undefined],
  ])('refuses a %s body', (_label, raw) => {
    expect(refusal(raw)).toEqual({ body: 'must be a JSON object' });
  });

  it.each([{}, { type: 'PLACE' }, { type: 'amend' }, { type: null }, { ...limit, type: 'cancel ' }])('refuses unknown type %p', (raw) => {
    expect(refusal(raw)).toEqual({ type: 'type must be "place" or "cancel"' });
  });
});

describe('hostile input never crashes validation', () => {
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

  it('refuses a deeply nested unknown field (naming it) without a stack overflow', () => {
    const raw = JSON.parse(`{"type":"place","userId":"u","clientOrderId":"c","side":"buy","orderType":"limit","price":"1","quantity":"1","x":${nested(20_000)}}`);
    expect(refusal(raw)).toEqual({ x: 'x is not an allowed field' });
  });

  it('refuses a deeply nested declared field with a typed refusal', () => {
    const raw = JSON.parse(`{"type":"place","userId":"u","clientOrderId":"c","side":"buy","orderType":"limit","price":${nested(20_000)},"quantity":"1"}`);
    const details = refusal(raw);
    expect(Object.keys(details).length).toBeGreaterThan(0);
  });

  it('handles objects without a prototype', () => {
    const bare = Object.assign(Object.create(null), limit);
    expect(validateCommand(bare).ok).toBe(true);
    expect(validateCommandStrictly(Object.assign(Object.create(null), limit, { z: 1 })).ok).toBe(false);
  });

  it('handles very long strings quickly enough to be bounded by the regexes (no catastrophic backtracking)', () => {
    const long = '1'.repeat(1_000_000);
    expect(Object.keys(refusal({ ...limit, userId: 'a'.repeat(1_000_000), clientOrderId: '.'.repeat(1_000_000) })).sort()).toEqual([
      'clientOrderId',
      'userId',
    ]);
    // a million-digit quantity is a well-formed decimal string; the symbol's range check refuses it later
    accepted({ ...limit, quantity: long });
  });
});

describe('validateDto', () => {
  it('works for each DTO class directly', () => {
    expect(validateDto(PlaceCommandDto, limit).ok).toBe(true);
    expect(validateDto(CancelCommandDto, cancelById).ok).toBe(true);
    expect(validateDto(CancelCommandDto, limit).ok).toBe(false);
  });
});
