import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ENGINE_ENV_VARS, loadEngineConfig } from './engine-config.js';

const CREDS = '-----BEGIN NATS USER JWT-----\nx\n------END NATS USER JWT------\n-----BEGIN USER NKEY SEED-----\ny\n------END USER NKEY SEED------\n';
const base = { SYMBOLS: 'BTC-USD' };

function file(name: string, content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'engine-auth-')), name);
  writeFileSync(path, content);
  return path;
}

function configError(env: Record<string, string>): ConfigError {
  try {
    loadEngineConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('engine NATS credentials and TLS configuration', () => {
  it('lists NATS_CREDS and NATS_TLS_* among its variables', () => {
    const names = ENGINE_ENV_VARS.map((v) => v.name);
    for (const name of ['NATS_CREDS', 'NATS_TLS_CA', 'NATS_TLS_CERT', 'NATS_TLS_KEY']) expect(names).toContain(name);
  });

  it('keeps user:password in NATS_URL and has no creds or TLS by default', () => {
    const config = loadEngineConfig({ ...base, NATS_URL: 'nats://engine:s3cret@nats:4222' });
    expect(config.natsServers).toEqual(['nats://engine:s3cret@nats:4222']);
    expect(config.natsAuth).toEqual({ user: undefined, pass: undefined, credsFile: undefined, tls: undefined });
  });

  it('reads a creds file and TLS files', () => {
    const creds = file('engine.creds', CREDS);
    const pem = file('ca.pem', 'pem');
    const config = loadEngineConfig({ ...base, NATS_CREDS: creds, NATS_TLS_CA: pem, NATS_TLS_CERT: pem, NATS_TLS_KEY: pem });
    expect(config.natsAuth).toMatchObject({ credsFile: creds, tls: { caFile: pem, certFile: pem, keyFile: pem } });
  });

  it('names the bad variable: missing file, not a creds file, creds with a URL password, cert without key', () => {
    expect(configError({ ...base, NATS_CREDS: '/nope.creds' }).variable).toBe('NATS_CREDS');
    expect(configError({ ...base, NATS_CREDS: file('x.creds', 'not creds') }).variable).toBe('NATS_CREDS');
    expect(configError({ ...base, NATS_CREDS: file('e.creds', CREDS), NATS_URL: 'nats://u:p@h:4222' }).message).toMatch(/not both/);
    expect(configError({ ...base, NATS_TLS_CERT: file('c.pem', 'c') }).variable).toBe('NATS_TLS_KEY');
    expect(configError({ ...base, NATS_TLS_CA: '/nope/ca.pem' }).variable).toBe('NATS_TLS_CA');
  });
});

describe('engine NATS_USER / NATS_PASSWORD', () => {
  it('are read, and refused together with credentials in NATS_URL', () => {
    expect(loadEngineConfig({ ...base, NATS_USER: 'engine', NATS_PASSWORD: 'pw' }).natsAuth).toMatchObject({ user: 'engine', pass: 'pw' });
    expect(configError({ ...base, NATS_USER: 'engine', NATS_URL: 'nats://engine:pw@nats:4222' }).variable).toBe('NATS_USER');
  });
});
