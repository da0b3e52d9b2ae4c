import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { fastSeq } from './fast-seq.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('fastSeq', () => {
  it('reads seq where the engine writes it, and elsewhere through JSON', () => {
    expect(fastSeq(bytes('{"type":"OrderUpdate","symbol":"BTC-USD","seq":123,"ts":1}'))).toBe(123);
    expect(fastSeq(bytes('{"type":"TradeExecuted","symbol":"BTC-USD","seq":0,"ts":1}'))).toBe(0);
    expect(fastSeq(bytes(`{"pad":"${'x'.repeat(300)}","seq":77}`))).toBe(77);
    expect(fastSeq(bytes('{"type":"x"}'))).toBeUndefined();
    expect(fastSeq(bytes('not json'))).toBeUndefined();
    expect(fastSeq(bytes('{"seq":"12"}'))).toBeUndefined();
  });

  it('agrees with JSON.parse on any object carrying a seq, and never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }).filter((s) => /^[A-Za-z-]*$/.test(s)), fc.nat({ max: Number.MAX_SAFE_INTEGER }), (symbol, seq) => {
        expect(fastSeq(bytes(JSON.stringify({ type: 'OrderUpdate', symbol, seq, ts: 1 })))).toBe(seq);
      }),
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (data) => void fastSeq(data)));
  });
});
