import { describe, expect, it } from '@jest/globals';
import { ChildService, waitFor } from '@trading/testing';
import { ENGINE_MAIN } from './engine-harness.js';

/** Invalid configuration: a clear one-line message naming the variable, exit 78, no stack trace. */
describe('engine process with invalid configuration', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['SYMBOLS missing', { SYMBOLS: '' }, /SYMBOLS/],
    ['bad symbol', { SYMBOLS: 'btc-usd' }, /SYMBOLS.*btc-usd/],
    ['bad tick', { SYMBOLS: 'BTC-USD:abc' }, /SYMBOLS.*tick/],
    ['bad lease ttl', { SYMBOLS: 'BTC-USD', LEASE_TTL_MS: 'soon' }, /LEASE_TTL_MS/],
    ['bad admin port', { SYMBOLS: 'BTC-USD', ADMIN_PORT: '70000' }, /ADMIN_PORT/],
    ['bad NATS_URL', { SYMBOLS: 'BTC-USD', NATS_URL: 'http://x y' }, /NATS_URL/],
    ['bad LOG_LEVEL', { SYMBOLS: 'BTC-USD', LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
  ];

  it.each(cases)('%s', async (_name, env, message) => {
    const child = ChildService.start('bad-config', ENGINE_MAIN, { NATS_URL: 'nats://127.0.0.1:1', ADMIN_PORT: '0', ...env });
    expect(await child.waitForExit(10_000)).toBe(78);
    // 'exit' can come before the last stderr chunk: wait for the line itself.
    await waitFor(() => child.logs.includes('\n'), { description: 'the error line' });
    expect(child.logs).toMatch(message);
    expect(child.logs).toMatch(/^matching-engine: invalid configuration: /);
    expect(child.logs).not.toMatch(/\n\s+at /);
  });
});
