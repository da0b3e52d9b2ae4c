import { describe, expect, it } from '@jest/globals';
import { runCli } from './cli.js';
import type { CliIo } from './io.js';

function capture(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), env };
  return { io, out, err };
}

describe('runCli', () => {
  it('prints usage with exit 2 when no command is given, and exit 0 for help', async () => {
    const none = capture();
    expect(await runCli([], none.io)).toBe(2);
    expect(none.err.join('\n')).toContain('gentoken <userId>');
    const help = capture();
    expect(await runCli(['help'], help.io)).toBe(0);
  });

  it('reports an unknown command as a usage error, without a stack trace', async () => {
    const c = capture();
    expect(await runCli(['frobnicate'], c.io)).toBe(2);
    expect(c.err[0]).toBe('error: unknown command "frobnicate"');
    expect(c.err.join('\n')).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });

  it('gentoken then checktoken round-trips through the CLI with the JWT_SECRET of the environment', async () => {
    const gen = capture({ JWT_SECRET: 'from-env' });
    expect(await runCli(['gentoken', 'carol', '--ttl', '30'], gen.io)).toBe(0);
    expect(gen.out).toHaveLength(1);
    const check = capture({ JWT_SECRET: 'from-env' });
    expect(await runCli(['checktoken', gen.out[0]], check.io)).toBe(0);
    expect(JSON.parse(check.out[0])).toMatchObject({ sub: 'carol' });
    const wrong = capture({});
    expect(await runCli(['checktoken', gen.out[0]], wrong.io)).toBe(1);
    expect(wrong.err[0]).toMatch(/^error: invalid token/);
  });

  it.each([
    [['gentoken'], /needs a user id/],
    [['gentoken', 'u', '--ttl', '0'], /--ttl must be between/],
    [['gentoken', 'u', '--ttl', '1h'], /--ttl must be a whole number/],
    [['gentoken', 'u', '--ttl'], /--ttl needs a value/],
    [['checktoken'], /needs a token/],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const c = capture();
    expect(await runCli(argv, c.io)).toBe(2);
    expect(c.err[0]).toMatch(message);
  });

  it('reports an unreachable NATS server with exit 3', async () => {
    const c = capture();
    const code = await runCli(['snapshot', '--symbol', 'BTC-USD', '--nats', 'nats://127.0.0.1:1'], c.io);
    expect(code).toBe(3);
    expect(c.err[0]).toMatch(/cannot connect to NATS at nats:\/\/127.0.0.1:1/);
  });
});
