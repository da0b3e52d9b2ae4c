import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { integerText } from '../src/engine/order-events.js';

describe('integerText (timestamps in event JSON)', () => {
  it('equals String() at the edges', () => {
    for (const n of [0, 1, 9, 10, 999_999_999, 1e9, 1e9 + 1, 1e9 + 999_999_999, 2e9 - 1, 1_700_000_000_000, 1e15, 1e15 - 1, 2 ** 53 - 1, 2 ** 53 - 1e9, 2 ** 53 - 1e9 - 1]) {
      expect(integerText(n)).toBe(String(n));
    }
    for (let k = 1; k < 9_007_199; k += 7_919) {
      for (const n of [k * 1e9 - 1, k * 1e9, k * 1e9 + 1]) expect(integerText(n)).toBe(String(n));
    }
  });

  it('equals String() for any non-negative safe integer', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => integerText(n) === String(n)),
      { numRuns: 20_000 },
    );
  });
});
