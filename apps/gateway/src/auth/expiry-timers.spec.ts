import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ExpiryTimers, type ExpiryListener } from './expiry-timers.js';

const START = 1_800_000_000_000;

function listener(log: string[], name: string): ExpiryListener {
  return { onExpiryDue: () => log.push(`${name}@${Date.now() - START}`) };
}

describe('ExpiryTimers', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: START });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('calls every listener of an instant once, at that instant, with one timer per instant', () => {
    const log: string[] = [];
    const timers = new ExpiryTimers((err) => log.push(`error ${String(err)}`));
    const a = listener(log, 'a');
    timers.add(START + 5_000, a);
    timers.add(START + 5_000, a); // held once
    timers.add(START + 5_000, listener(log, 'b'));
    timers.add(START + 9_000, listener(log, 'c'));
    expect(timers.size).toBe(2);
    expect(jest.getTimerCount()).toBe(2);
    jest.advanceTimersByTime(4_999);
    expect(log).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(log).toEqual(['a@5000', 'b@5000']);
    jest.advanceTimersByTime(10_000);
    expect(log).toEqual(['a@5000', 'b@5000', 'c@9000']);
    expect(timers.size).toBe(0);
  });

  it('forgets a deleted listener, and drops the timer with the last one', () => {
    const log: string[] = [];
    const timers = new ExpiryTimers(() => undefined);
    const a = listener(log, 'a');
    const b = listener(log, 'b');
    timers.add(START + 1_000, a);
    timers.add(START + 1_000, b);
    timers.delete(START + 1_000, a);
    timers.delete(START + 2_000, b); // another instant: nothing held there
    jest.advanceTimersByTime(1_000);
    expect(log).toEqual(['b@1000']);
    timers.add(START + 3_000, a);
    timers.delete(START + 3_000, a);
    expect(timers.size).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('an instant in the past fires on the next timer turn; one beyond setTimeout range is not fired early', () => {
    const log: string[] = [];
    const timers = new ExpiryTimers(() => undefined);
    timers.add(START - 10, listener(log, 'past'));
    const far = START + 30 * 24 * 3600 * 1000; // 30 days: past setTimeout's ~24.8 days
    timers.add(far, listener(log, 'far'));
    jest.advanceTimersByTime(0);
    expect(log).toEqual(['past@0']);
    jest.advanceTimersByTime(2_147_483_647); // the capped timer fires, re-arms for the rest
    expect(log).toEqual(['past@0']);
    expect(timers.size).toBe(1);
    jest.advanceTimersByTime(far - Date.now());
    expect(log).toEqual(['past@0', `far@${far - START}`]);
  });

  it('a listener that throws is reported and does not keep the others of its instant from being called', () => {
    const log: string[] = [];
    const timers = new ExpiryTimers((err) => log.push(`error ${(err as Error).message}`));
    timers.add(START + 100, {
      onExpiryDue: () => {
        throw new Error('socket gone');
      },
    });
    timers.add(START + 100, listener(log, 'ok'));
    jest.advanceTimersByTime(100);
    expect(log).toEqual(['error socket gone', 'ok@100']);
  });

  it('close() clears every timer', () => {
    const log: string[] = [];
    const timers = new ExpiryTimers(() => undefined);
    timers.add(START + 100, listener(log, 'a'));
    timers.add(START + 200, listener(log, 'b'));
    timers.close();
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(1_000);
    expect(log).toEqual([]);
  });
});
