import { describe, expect, it } from '@jest/globals';
import { createSymbolSpec } from '@trading/contracts';
import { createSymbolEngine } from '@trading/order-book';
import { decodeSnapshotRequest } from './snapshot-request.js';
import { deepestDepthThatFits, encodeSnapshotReply } from './snapshot-reply.js';

/** A book with `levels` bids and `levels + 7` asks, one order per level. */
function deepBook(levels: number) {
  const engine = createSymbolEngine(createSymbolSpec('BTC-USD'));
  const place = (i: number, side: 'buy' | 'sell', price: string) =>
    engine.apply({ type: 'place', userId: 'u', clientOrderId: `${side}${i}`, side, orderType: 'limit', price, quantity: '1.0000' }, 1);
  for (let i = 0; i < levels; i++) place(i, 'buy', `${1000 - i}.00`);
  for (let i = 0; i < levels + 7; i++) place(i, 'sell', (2000 + i * 1.5).toFixed(2));
  return engine;
}

describe('snapshot requests and replies', () => {
  it('{} and an empty body ask for the whole book; {"depth":N} for N levels per side', () => {
    expect(decodeSnapshotRequest('{}')).toEqual({ ok: true, depth: undefined });
    expect(decodeSnapshotRequest('  ')).toEqual({ ok: true, depth: undefined });
    expect(decodeSnapshotRequest('{"depth":5}')).toEqual({ ok: true, depth: 5 });
    const engine = deepBook(250);
    const whole = engine.snapshot(undefined);
    expect(whole.bids).toHaveLength(250);
    expect(whole.asks).toHaveLength(257);
  });

  it('a snapshot that fits in max_payload is its plain JSON', () => {
    const snapshot = deepBook(250).snapshot(undefined);
    const json = JSON.stringify(snapshot);
    expect(encodeSnapshotReply(snapshot, json.length)).toBe(json);
  });

  it('one that does not is refused with SNAPSHOT_TOO_LARGE naming the deepest depth that fits, and that depth does fit', () => {
    const engine = deepBook(250);
    const whole = engine.snapshot(undefined);
    const max = 4096;
    const reply = JSON.parse(encodeSnapshotReply(whole, max));
    expect(reply).toMatchObject({ ok: false, error: { code: 'SNAPSHOT_TOO_LARGE', message: expect.stringContaining('max_payload 4096') } });
    const fits = Number(/ask for \{"depth":(\d+)\}/.exec(reply.error.details.depth)![1]);
    expect(fits).toBe(deepestDepthThatFits(whole, max));
    expect(JSON.stringify(engine.snapshot(fits)).length).toBeLessThanOrEqual(max);
    expect(JSON.stringify(engine.snapshot(fits + 1)).length).toBeGreaterThan(max);
    // Exact for every limit, with sides of different lengths.
    for (const limit of [200, 1000, 7777, JSON.stringify(engine.snapshot(250)).length, JSON.stringify(engine.snapshot(250)).length - 1]) {
      const n = deepestDepthThatFits(whole, limit);
      if (n > 0) expect(JSON.stringify(engine.snapshot(n)).length).toBeLessThanOrEqual(limit);
      expect(JSON.stringify(engine.snapshot(n + 1)).length).toBeGreaterThan(limit);
    }
  });

  it('never suggests a depth a request may not ask for', () => {
    const engine = deepBook(10_050);
    const whole = engine.snapshot(undefined);
    const reply = JSON.parse(encodeSnapshotReply(whole, JSON.stringify(whole).length - 1));
    expect(deepestDepthThatFits(whole, JSON.stringify(whole).length - 1)).toBeGreaterThan(10_000);
    expect(reply.error.details.depth).toBe('at most 10000 levels per side fit: ask for {"depth":10000}');
  });

  it('says so when not even one level per side fits', () => {
    const whole = deepBook(3).snapshot(undefined);
    const reply = JSON.parse(encodeSnapshotReply(whole, 60));
    expect(reply.error).toMatchObject({ code: 'SNAPSHOT_TOO_LARGE', details: { depth: 'not even one level per side fits' } });
  });
});
