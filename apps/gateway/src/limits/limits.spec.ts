import { describe, expect, it } from '@jest/globals';
import type { WebSocket } from 'uWebSockets.js';
import { ConnectionQuota } from './connection-quota.js';
import { RateWindow } from './rate-window.js';
import { SendBufferGuard } from './send-buffer-guard.js';
import { UserRequestRate } from './user-request-rate.js';
import { WindowBudget } from './window-budget.js';

describe('ConnectionQuota', () => {
  it('caps per IP and per replica, and frees slots', () => {
    const quota = new ConnectionQuota(3, 2);
    expect(quota.tryTake('a')).toBe('ok');
    expect(quota.tryTake('a')).toBe('ok');
    expect(quota.tryTake('a')).toBe('ip_full');
    expect(quota.tryTake('b')).toBe('ok');
    expect(quota.tryTake('c')).toBe('replica_full');
    quota.give('a');
    expect(quota.tryTake('c')).toBe('ok');
    quota.give('nobody'); // never taken: ignored, the count stays right
    expect(quota.count).toBe(3);
  });
});

describe('RateWindow', () => {
  it('accepts up to the limit per second, then limits, then asks to close', () => {
    const rate = new RateWindow(2, 1);
    expect([rate.hit(0), rate.hit(1), rate.hit(2), rate.hit(3)]).toEqual(['accept', 'accept', 'limit', 'close']);
    expect(rate.hit(1000)).toBe('accept'); // next window
  });
});

describe('WindowBudget', () => {
  it('spends units only when they fit in what is left of the second, and starts afresh after it', () => {
    const budget = new WindowBudget(200);
    expect(budget.take(100, 1_000)).toBe(true);
    expect(budget.take(100, 1_500)).toBe(true);
    expect(budget.take(1, 1_999)).toBe(false);
    expect(budget.take(200, 2_000)).toBe(true);
    expect(budget.take(201, 3_000)).toBe(false); // more than a whole second's worth never fits
    expect(budget.take(200, 3_000)).toBe(true); // and the refusal spent nothing
  });
});

describe('UserRequestRate', () => {
  it('counts each user on its own within one shared one-second window', () => {
    const rate = new UserRequestRate(2);
    expect([rate.allow('a', 1_000), rate.allow('a', 1_100), rate.allow('a', 1_200)]).toEqual([true, true, false]);
    expect(rate.allow('b', 1_300)).toBe(true);
    expect(rate.allow('a', 2_000)).toBe(true);
  });
});

describe('SendBufferGuard', () => {
  const socket = (buffered: number) => ({ buffered, getBufferedAmount() { return this.buffered; } }) as unknown as WebSocket<unknown> & { buffered: number };

  it('closes exactly the sockets over the limit, and sweeps early after headroom/2 bytes so uWS never reaches its cap', () => {
    const sockets = [socket(10), socket(300_000)];
    const closed: unknown[] = [];
    const guard = new SendBufferGuard<unknown>(262_144, () => sockets, (ws) => closed.push(ws));
    expect(guard.uwsMaxBackpressure).toBe(262_144 + 1024 * 1024);
    guard.noteSent(100_000); // below headroom/2: no sweep yet
    expect(closed).toEqual([]);
    guard.noteSent(500_000); // 600 KB since the last sweep > 512 KiB: sweep now
    expect(closed).toEqual([sockets[1]]);
  });
});
