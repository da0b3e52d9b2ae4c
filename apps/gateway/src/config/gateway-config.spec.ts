import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, GATEWAY_ENV_VARS, loadGatewayConfig } from './gateway-config.js';

const secret = { JWT_SECRET: 's'.repeat(32) };

describe('loadGatewayConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadGatewayConfig(secret);
    expect(config).toMatchObject({
      natsServers: ['nats://127.0.0.1:4222'],
      port: 8080,
      adminPort: 9090,
      drainMs: 10_000,
      logLevel: 'info',
      jwt: { kind: 'secret' },
      corsOrigins: [],
    });
    // Every default in GATEWAY_ENV_VARS is what the loader really uses.
    const byName = Object.fromEntries(GATEWAY_ENV_VARS.map((v) => [v.name, v.default]));
    expect(byName.PORT).toBe(String(config.port));
    expect(byName.ADMIN_PORT).toBe(String(config.adminPort));
    expect(byName.DRAIN_MS).toBe(String(config.drainMs));
    expect(byName.MAX_FRAME_BYTES).toBe(String(config.maxFrameBytes));
    expect(byName.SEND_BUFFER_BYTES).toBe(String(config.sendBufferBytes));
    expect(byName.MAX_CONNECTIONS_PER_IP).toBe(String(config.maxConnectionsPerIp));
    expect(byName.MAX_MESSAGES_PER_SECOND).toBe(String(config.maxMessagesPerSecond));
    expect(byName.WRITE_DELAY_MS).toBe(String(config.writeDelayMs));
    expect(byName.WRITE_DELAY_MAX_MESSAGES).toBe(String(config.writeDelayMaxMessages));
    expect(config.writeDelayMs).toBe(0);
  });

  it('lists every variable the loader reads, each with a description', () => {
    const source = readFileSync(fileURLToPath(new URL('./gateway-config.ts', import.meta.url)), 'utf8');
    const read = new Set([...source.matchAll(/\(env, '([A-Z_]+)'/g)].map((m) => m[1]));
    read.add('JWT_PUBLIC_KEY');
    const listed = new Set(GATEWAY_ENV_VARS.map((v) => v.name));
    for (const name of read) expect(listed).toContain(name);
    for (const v of GATEWAY_ENV_VARS) expect(v.description.length).toBeGreaterThan(10);
  });

  it('reads the write delay', () => {
    const config = loadGatewayConfig({ ...secret, WRITE_DELAY_MS: '5', WRITE_DELAY_MAX_MESSAGES: '64' });
    expect(config).toMatchObject({ writeDelayMs: 5, writeDelayMaxMessages: 64 });
  });

  it('parses comma-separated NATS servers and CORS origins', () => {
    const config = loadGatewayConfig({ ...secret, NATS_URL: 'nats://a:4222, nats://b:4222', CORS_ORIGINS: 'https://x.example.com,*' });
    expect(config.natsServers).toEqual(['nats://a:4222', 'nats://b:4222']);
    expect(config.corsOrigins).toEqual(['https://x.example.com', '*']);
  });

  it.each([
    [{}, 'JWT_SECRET'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ ...secret, JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----' }, 'JWT_SECRET'],
    [{ JWT_PUBLIC_KEY: 'not a pem' }, 'JWT_PUBLIC_KEY'],
    [{ ...secret, PORT: '80a' }, 'PORT'],
    [{ ...secret, PORT: '70000' }, 'PORT'],
    [{ ...secret, ADMIN_PORT: '-1' }, 'ADMIN_PORT'],
    [{ ...secret, NATS_URL: 'http://x' }, 'NATS_URL'],
    [{ ...secret, LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ ...secret, IDLE_TIMEOUT_SECONDS: '4' }, 'IDLE_TIMEOUT_SECONDS'],
    [{ ...secret, MAX_MESSAGES_PER_SECOND: '0' }, 'MAX_MESSAGES_PER_SECOND'],
    [{ ...secret, CORS_ORIGINS: 'evil' }, 'CORS_ORIGINS'],
    [{ ...secret, DRAIN_MS: '1.5' }, 'DRAIN_MS'],
    [{ ...secret, WRITE_DELAY_MS: '-1' }, 'WRITE_DELAY_MS'],
    [{ ...secret, WRITE_DELAY_MS: '1001' }, 'WRITE_DELAY_MS'],
    [{ ...secret, WRITE_DELAY_MS: '2.5' }, 'WRITE_DELAY_MS'],
    [{ ...secret, WRITE_DELAY_MAX_MESSAGES: '0' }, 'WRITE_DELAY_MAX_MESSAGES'],
  ])('rejects %j naming %s', (env, variable) => {
    expect(() => loadGatewayConfig(env as Record<string, string>)).toThrow(ConfigError);
    try {
      loadGatewayConfig(env as Record<string, string>);
    } catch (err) {
      expect((err as ConfigError).variable).toBe(variable);
      expect((err as ConfigError).message.startsWith(variable)).toBe(true);
    }
  });
});

describe('docs/gateway.md', () => {
  it('documents every gateway environment variable', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../../../docs/gateway.md', import.meta.url)), 'utf8');
    for (const v of GATEWAY_ENV_VARS) expect(doc).toContain(`| \`${v.name}\` |`);
  });
});
