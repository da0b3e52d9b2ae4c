import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseScaled } from '@trading/contracts';
import { fastScaled } from '../src/engine/place-rules.js';

/** The engine's regex-free decimal parser must agree with the contracts' parseScaled. */
function reference(value: unknown, decimals: number): number | 'error' {
  try {
    return parseScaled(value, decimals);
  } catch {
    return 'error';
  }
}

const decimalish = fc.string({ unit: fc.constantFrom('0', '1', '2', '5', '9', '.', '-', 'e', ' ', '+'), maxLength: 20 });
const plausible = fc
  .tuple(fc.bigInt({ min: 0n, max: 10n ** 18n }), fc.option(fc.string({ unit: fc.constantFrom('0', '1', '5', '9'), minLength: 0, maxLength: 17 })))
  .map(([whole, fraction]) => (fraction === null ? String(whole) : `${whole}.${fraction}`));

describe('fastScaled', () => {
  it.each([
    ['1', 2, 100],
    ['0', 2, 0],
    ['0.5', 2, 50],
    ['12.34', 2, 1234],
    ['007', 2, -1],
    ['.5', 2, -1],
    ['5.', 2, -1],
    ['1.234', 2, -1],
    ['-1', 2, -1],
    ['1e3', 2, -1],
    ['9007199254740991', 0, 9007199254740991],
    ['9007199254740992', 0, -1],
    ['90071992547409.93', 2, -1],
  ])('%s with %d decimals -> %d', (value, decimals, expected) => {
    expect(fastScaled(value, decimals)).toBe(expected);
  });

  it('returns parseScaled\'s value or defers (-1), for any input', () => {
    fc.assert(
      fc.property(fc.oneof(decimalish, plausible), fc.integer({ min: 0, max: 15 }), (value, decimals) => {
        const fast = fastScaled(value, decimals);
        const slow = reference(value, decimals);
        if (fast !== -1) expect(fast).toBe(slow);
        // Well-formed, in-range values take the fast path.
        if (slow !== 'error' && value.length <= 17 && (slow as number) <= Number.MAX_SAFE_INTEGER) expect(fast).toBe(slow);
      }),
      { numRuns: 3000 },
    );
  });

  it('defers anything that is not a string', () => {
    for (const value of [1, null, undefined, {}, ['1']]) expect(fastScaled(value, 2)).toBe(-1);
  });
});
