import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { canonicalNumberAt } from '../src/engine/symbol-engine.js';

/** Cancel by orderId reads the order number in place; it must name the same orders as the old check. */
const old = (text: string, start: number): number => {
  const digits = text.slice(start);
  const n = Number(digits);
  return Number.isSafeInteger(n) && String(n) === digits && n > 0 ? n : -1;
};

describe('canonicalNumberAt', () => {
  it('names exactly the positive orders the Number/String round trip named', () => {
    const digits = fc.oneof(
      fc.nat().map(String),
      fc.constantFrom('0', '00', '007', '', '-1', '+1', '1e3', '1.0', ' 1', '1 ', '0x10', 'Infinity', '9007199254740991', '9007199254740992', '99999999999999999', '1234567890123456'),
      fc.array(fc.constantFrom('0', '1', '9', '.', 'e', '-', ' '), { maxLength: 18 }).map((cs) => cs.join('')),
    );
    fc.assert(
      fc.property(fc.constantFrom('BTC-USD-', 'X-Y-', ''), digits, (prefix, d) => {
        const got = canonicalNumberAt(prefix + d, prefix.length);
        expect(got > 0 ? got : -1).toBe(old(prefix + d, prefix.length));
      }),
      { numRuns: 5000 },
    );
  });
});
