import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  DecimalError,
  MAX_DECIMALS,
  decimalsOf,
  formatScaled,
  fromSteps,
  parseScaled,
  parseStep,
  toSteps,
} from '../src/index.js';

/** Asserts that `fn` throws a DecimalError with the given reason (and the matching code). */
function expectDecimalError(fn: () => unknown, reason: DecimalError['reason']): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(DecimalError);
  expect((thrown as DecimalError).reason).toBe(reason);
  expect((thrown as DecimalError).code).toBe(`DECIMAL_${reason}`);
}

describe('parseScaled', () => {
  it.each([
    ['0', 0, 0],
    ['0', 2, 0],
    ['0.00', 2, 0],
    ['1', 2, 100],
    ['1.5', 2, 150],
    ['50000.00', 2, 5_000_000],
    ['0.0001', 4, 1],
    ['123.4567', 4, 1_234_567],
    ['9007199254740991', 0, Number.MAX_SAFE_INTEGER],
    ['90071992547.40991', 5, Number.MAX_SAFE_INTEGER],
  ])('%s with %i decimals is %i', (text, decimals, scaled) => {
    expect(parseScaled(text, decimals)).toBe(scaled);
  });

  it.each([
    ['1.234', 2],
    ['0.00001', 4],
    ['1.0', 0],
    ['0.000', 2],
  ])('refuses %s with more than %i decimals', (text, decimals) => {
    expectDecimalError(() => parseScaled(text, decimals), 'TOO_MANY_DECIMALS');
  });

  it.each(['', ' ', '1e5', '1E5', '1e-2', '-1', '+1', '-0', '.5', '5.', '01', '00', '00.1', ' 1', '1 ', '1,5', '1_0', 'abc', 'NaN', 'Infinity', '0x1F', '1..2', '1.2.3', '１'])(
    'refuses malformed %p',
    (text) => {
      expectDecimalError(() => parseScaled(text, 4), 'MALFORMED');
    },
  );

  it.each([5, 0, 1.5, -1, null, undefined, true, ['1'], { value: '1' }, 10n])('refuses non-string %p', (value) => {
    expectDecimalError(() => parseScaled(value, 2), 'NOT_A_STRING');
  });

  it.each([
    ['9007199254740992', 0],
    ['9007199254740993', 0],
    ['90071992547409.92', 2],
    ['99999999999999999999', 0],
    ['1'.padEnd(400, '0'), 0],
    ['100000000000', 8],
  ])('refuses %s (%i decimals) beyond the safe integer range', (text, decimals) => {
    expectDecimalError(() => parseScaled(text, decimals), 'OUT_OF_RANGE');
  });

  it.each([-1, 1.5, MAX_DECIMALS + 1, 1e9, Number.NaN])('refuses an impossible scale of %p decimals', (decimals) => {
    expectDecimalError(() => parseScaled('1', decimals), 'OUT_OF_RANGE');
  });

  it('keeps error messages short for huge inputs', () => {
    try {
      parseScaled('x'.repeat(100_000), 2);
    } catch (err) {
      expect((err as Error).message.length).toBeLessThan(120);
    }
    expect.assertions(1);
  });
});

describe('formatScaled', () => {
  it.each([
    [0, 0, '0'],
    [0, 2, '0.00'],
    [0, 4, '0.0000'],
    [1, 4, '0.0001'],
    [5_000_000, 2, '50000.00'],
    [150, 2, '1.50'],
    [7, 0, '7'],
    [Number.MAX_SAFE_INTEGER, 0, '9007199254740991'],
    [Number.MAX_SAFE_INTEGER, 15, '9.007199254740991'],
    [1, 15, '0.000000000000001'],
  ])('%i with %i decimals is %s', (scaled, decimals, text) => {
    expect(formatScaled(scaled, decimals)).toBe(text);
  });

  it.each([-1, 1.5, Number.NaN, Infinity, Number.MAX_SAFE_INTEGER + 1])('refuses %p', (scaled) => {
    expectDecimalError(() => formatScaled(scaled, 2), 'OUT_OF_RANGE');
  });

  it('refuses an impossible scale', () => {
    expectDecimalError(() => formatScaled(1, -1), 'OUT_OF_RANGE');
    expectDecimalError(() => formatScaled(1, 16), 'OUT_OF_RANGE');
  });
});

describe('decimalsOf', () => {
  it('counts fractional digits as written', () => {
    expect(decimalsOf('1')).toBe(0);
    expect(decimalsOf('0.01')).toBe(2);
    expect(decimalsOf('0.0100')).toBe(4);
  });
});

describe('steps (ticks and lots)', () => {
  const tick = parseStep('0.01');
  const lot = parseStep('0.0001');
  const nickel = parseStep('0.05');

  it('parses steps as (decimals, units)', () => {
    expect(tick).toEqual({ text: '0.01', decimals: 2, units: 1 });
    expect(lot).toEqual({ text: '0.0001', decimals: 4, units: 1 });
    expect(nickel).toEqual({ text: '0.05', decimals: 2, units: 5 });
    expect(parseStep('5')).toEqual({ text: '5', decimals: 0, units: 5 });
    expect(parseStep('0.000000000000001')).toEqual({ text: '0.000000000000001', decimals: 15, units: 1 });
  });

  it('follows the contract examples: tick 0.01 -> "50000.00", zero with lot 0.0001 -> "0.0000"', () => {
    expect(fromSteps(toSteps('50000', tick), tick)).toBe('50000.00');
    expect(fromSteps(5_000_000, tick)).toBe('50000.00');
    expect(fromSteps(0, lot)).toBe('0.0000');
    expect(fromSteps(toSteps('0', lot), lot)).toBe('0.0000');
  });

  it('converts to whole steps', () => {
    expect(toSteps('50000.00', tick)).toBe(5_000_000);
    expect(toSteps('1.5', tick)).toBe(150);
    expect(toSteps('1.05', nickel)).toBe(21);
    expect(toSteps('1.2345', lot)).toBe(12_345);
    expect(toSteps('10', parseStep('5'))).toBe(2);
  });

  it('refuses values that are not a multiple of the step', () => {
    expectDecimalError(() => toSteps('1.01', nickel), 'NOT_A_MULTIPLE');
    expectDecimalError(() => toSteps('7', parseStep('5')), 'NOT_A_MULTIPLE');
  });

  it('refuses more decimals than the step has, and numbers', () => {
    expectDecimalError(() => toSteps('1.001', tick), 'TOO_MANY_DECIMALS');
    expectDecimalError(() => toSteps(1.5, tick), 'NOT_A_STRING');
    expectDecimalError(() => toSteps('1e2', tick), 'MALFORMED');
  });

  it.each(['0', '0.00', ''])('refuses a non-positive or empty step %p', (text) => {
    expect(() => parseStep(text)).toThrow(DecimalError);
  });

  it('names the reason for bad steps', () => {
    expectDecimalError(() => parseStep('0'), 'NOT_POSITIVE');
    expectDecimalError(() => parseStep('-0.01'), 'MALFORMED');
    expectDecimalError(() => parseStep('1e-2'), 'MALFORMED');
    expectDecimalError(() => parseStep('0.0000000000000001'), 'TOO_MANY_DECIMALS');
    expectDecimalError(() => parseStep(0.01 as unknown as string), 'NOT_A_STRING');
    expectDecimalError(() => parseStep(undefined as unknown as string), 'NOT_A_STRING');
  });

  it('refuses step counts that are negative, fractional or overflow', () => {
    expectDecimalError(() => fromSteps(-1, tick), 'OUT_OF_RANGE');
    expectDecimalError(() => fromSteps(0.5, parseStep('0.02')), 'OUT_OF_RANGE');
    expectDecimalError(() => fromSteps(Number.MAX_SAFE_INTEGER, nickel), 'OUT_OF_RANGE');
    expectDecimalError(() => fromSteps(Number.NaN, tick), 'OUT_OF_RANGE');
  });
});

describe('properties', () => {
  const decimalsArb = fc.integer({ min: 0, max: MAX_DECIMALS });
  const safeArb = fc.maxSafeNat();
  /** Any canonical decimal string: no leading zeros, any fraction up to `max` digits. */
  const decimalTextArb = (maxFraction: number) =>
    fc
      .tuple(fc.oneof(fc.constant('0'), fc.stringMatching(/^[1-9][0-9]{0,8}$/)), fc.stringMatching(new RegExp(`^[0-9]{0,${maxFraction}}$`)))
      .map(([whole, fraction]) => (fraction ? `${whole}.${fraction}` : whole));

  it('parse(format(n)) === n for every safe n and scale', () => {
    fc.assert(
      fc.property(safeArb, decimalsArb, (n, decimals) => {
        const text = formatScaled(n, decimals);
        expect(decimalsOf(text)).toBe(decimals);
        expect(parseScaled(text, decimals)).toBe(n);
      }),
    );
  });

  it('format(parse(x)) is x padded to the scale (canonical round trip)', () => {
    fc.assert(
      fc.property(decimalTextArb(6), (text) => {
        const decimals = 6;
        const formatted = formatScaled(parseScaled(text, decimals), decimals);
        const [whole, fraction = ''] = text.split('.');
        expect(formatted).toBe(`${whole}.${fraction.padEnd(decimals, '0')}`);
        // and the canonical form is a fixed point
        expect(formatScaled(parseScaled(formatted, decimals), decimals)).toBe(formatted);
      }),
    );
  });

  it('is exact for big values: digits in, same digits out (no floating point error)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: BigInt(Number.MAX_SAFE_INTEGER) }), decimalsArb, (big, decimals) => {
        const digits = big.toString().padStart(decimals + 1, '0');
        const text = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
        const scaled = parseScaled(text, decimals);
        expect(BigInt(scaled)).toBe(big);
        expect(formatScaled(scaled, decimals)).toBe(text);
      }),
    );
  });

  it('refuses everything beyond MAX_SAFE_INTEGER units instead of rounding', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: BigInt(Number.MAX_SAFE_INTEGER) + 1n, max: 10n ** 30n }), fc.integer({ min: 0, max: 6 }), (big, decimals) => {
        const digits = big.toString();
        const text = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
        expectDecimalError(() => parseScaled(text, decimals), 'OUT_OF_RANGE');
      }),
    );
  });

  it('is monotonic: the order of values is the order of their scaled integers', () => {
    fc.assert(
      fc.property(safeArb, safeArb, decimalsArb, (a, b, decimals) => {
        const ta = formatScaled(a, decimals);
        const tb = formatScaled(b, decimals);
        // Compare as decimals without floats: equal scale, so compare by length then lexically.
        const cmp = ta.length !== tb.length ? ta.length - tb.length : ta < tb ? -1 : ta > tb ? 1 : 0;
        expect(Math.sign(cmp)).toBe(Math.sign(parseScaled(ta, decimals) - parseScaled(tb, decimals)));
      }),
    );
  });

  it('toSteps/fromSteps round-trip every whole number of steps and refuse every non-multiple', () => {
    const stepArb = fc
      .tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 8 }))
      .map(([units, decimals]) => parseStep(formatScaled(units, decimals)));
    fc.assert(
      fc.property(stepArb, fc.integer({ min: 0, max: 1_000_000_000 }), fc.integer({ min: 1, max: 999 }), (step, steps, offset) => {
        const text = fromSteps(steps, step);
        expect(decimalsOf(text)).toBe(step.decimals);
        expect(toSteps(text, step)).toBe(steps);
        if (offset % step.units !== 0) {
          const offCut = formatScaled(steps * step.units + (offset % step.units), step.decimals);
          expectDecimalError(() => toSteps(offCut, step), 'NOT_A_MULTIPLE');
        }
      }),
    );
  });

  it('never throws anything but DecimalError for arbitrary input', () => {
    fc.assert(
      fc.property(fc.anything(), fc.integer({ min: -2, max: 20 }), (value, decimals) => {
        try {
          const scaled = parseScaled(value, decimals);
          expect(Number.isSafeInteger(scaled) && scaled >= 0).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(DecimalError);
        }
      }),
    );
  });
});
