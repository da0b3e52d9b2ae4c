import { describe, expect, it } from '@jest/globals';
import { WaitTimeoutError, delay, waitFor } from '../src/index.js';

describe('waitFor', () => {
  it('resolves with the first truthy value, polling until then', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? { calls } : undefined), { intervalMs: 1 });
    expect(value).toEqual({ calls: 3 });
    expect(calls).toBe(3);
  });

  it('awaits async probes', async () => {
    let calls = 0;
    await expect(waitFor(async () => (++calls === 2 ? 'ready' : ''), { intervalMs: 1 })).resolves.toBe('ready');
  });

  it('treats a throwing probe as "not yet"', async () => {
    let calls = 0;
    const value = await waitFor(
      () => {
        if (++calls < 3) throw new Error('not up');
        return 42;
      },
      { intervalMs: 1 },
    );
    expect(value).toBe(42);
  });

  it('rejects with WaitTimeoutError naming the description and the last error', async () => {
    const started = Date.now();
    const failure = await waitFor(
      () => {
        throw new Error('connection refused');
      },
      { timeoutMs: 50, intervalMs: 5, description: 'the engine' },
    ).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WaitTimeoutError);
    expect((failure as WaitTimeoutError).code).toBe('WAIT_TIMEOUT');
    expect((failure as Error).message).toBe('timed out after 50 ms waiting for the engine: connection refused');
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
  });

  it('times out on values that stay falsy (0, "", false, null)', async () => {
    for (const falsy of [0, '', false, null]) {
      await expect(waitFor(() => falsy, { timeoutMs: 10, intervalMs: 2 })).rejects.toBeInstanceOf(WaitTimeoutError);
    }
  });

  it('delay waits at least the given time', async () => {
    const started = Date.now();
    await delay(20);
    expect(Date.now() - started).toBeGreaterThanOrEqual(19);
  });
});
