import { describe, expect, it } from '@jest/globals';
import { backoffDelay, decodeJwtExp, InvalidTokenError, ReplicaRotation, SeqTracker, tokenRefreshDelay } from '@trading/client';
import { makeToken } from './fake-gateway.js';

describe('backoffDelay', () => {
  const opts = { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.5 };
  it('grows exponentially up to the cap, with the jitter taking at most its share', () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, opts, () => 0))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, opts, () => 0.999999))).toEqual([50, 100, 200, 400, 500, 500]);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(3, opts);
      expect(d).toBeGreaterThanOrEqual(400);
      expect(d).toBeLessThanOrEqual(800);
    }
  });
  it('survives absurd attempt counts', () => {
    expect(backoffDelay(10_000, opts, () => 0)).toBe(1000);
  });
});

describe('ReplicaRotation', () => {
  it('goes round-robin, so the replica that failed is never retried first', () => {
    const r = new ReplicaRotation(['a', 'b', 'c'], 1);
    expect(r.current).toBe('b');
    expect([r.advance(), r.advance(), r.advance()]).toEqual(['c', 'a', 'b']);
    expect(() => new ReplicaRotation([])).toThrow(RangeError);
  });
});

describe('SeqTracker', () => {
  it('classifies first, next, duplicate and gap per stream', () => {
    const t = new SeqTracker();
    expect(t.observe('trades:A-B', 5)).toEqual({ kind: 'first' });
    expect(t.observe('trades:A-B', 6)).toEqual({ kind: 'next' });
    expect(t.observe('trades:A-B', 6)).toEqual({ kind: 'duplicate', last: 6 });
    expect(t.observe('trades:A-B', 9)).toEqual({ kind: 'gap', expected: 7, received: 9 });
    expect(t.observe('trades:C-D', 1)).toEqual({ kind: 'first' });
    expect(t.get('trades:A-B')).toBe(9);
    t.deletePrefix('trades:');
    expect(t.entries()).toEqual([]);
  });
});

describe('JWT expiry', () => {
  it('reads exp without verifying and schedules the refresh a margin before it', () => {
    const exp = 2_000_000_000;
    expect(decodeJwtExp(makeToken('alice', exp))).toBe(exp);
    expect(decodeJwtExp(makeToken('alice'))).toBeUndefined();
    expect(tokenRefreshDelay(makeToken('a', exp), 30_000, exp * 1000 - 90_000)).toBe(60_000);
    // Already inside the margin: refresh soon, but never in a tight loop.
    expect(tokenRefreshDelay(makeToken('a', exp), 30_000, exp * 1000)).toBe(1000);
    expect(tokenRefreshDelay(makeToken('a'), 30_000, 0)).toBeUndefined();
  });
  it('rejects malformed tokens with a typed error', () => {
    for (const bad of ['', 'abc', 'a.b', 'a.!!!.c', `x.${Buffer.from('[1]').toString('base64url')}.y`, `x.${Buffer.from('{"exp":"soon"}').toString('base64url')}.y`]) {
      expect(() => decodeJwtExp(bad)).toThrow(InvalidTokenError);
    }
  });
});
