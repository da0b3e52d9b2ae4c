import { describe, expect, it } from '@jest/globals';
import { ConfigError, GATEWAY_ENV_VARS, loadGatewayConfig } from './gateway-config.js';

const secret = { JWT_SECRET: 's'.repeat(32) };

function configError(env: Record<string, string>): ConfigError {
  try {
    loadGatewayConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('gateway security configuration', () => {
  it('lists the security variables', () => {
    const names = GATEWAY_ENV_VARS.map((v) => v.name);
    for (const name of ['ALLOWED_ORIGINS', 'JWT_JWKS_FILE', 'NATS_CREDS', 'NATS_TLS_CA', 'NATS_TLS_CERT', 'NATS_TLS_KEY']) expect(names).toContain(name);
  });

  it('ALLOWED_ORIGINS: empty means any; a list is kept and CORS follows it unless CORS_ORIGINS is set', () => {
    expect(loadGatewayConfig(secret)).toMatchObject({ allowedOrigins: [], corsOrigins: [] });
    const config = loadGatewayConfig({ ...secret, ALLOWED_ORIGINS: 'https://a.example.com, https://b.example.com' });
    expect(config.allowedOrigins).toEqual(['https://a.example.com', 'https://b.example.com']);
    expect(config.corsOrigins).toEqual(['https://a.example.com', 'https://b.example.com']);
    expect(loadGatewayConfig({ ...secret, ALLOWED_ORIGINS: 'https://a.example.com,https://b.example.com', CORS_ORIGINS: 'https://a.example.com' }).corsOrigins).toEqual([
      'https://a.example.com',
    ]);
  });

  it('refuses a wildcard or malformed allowed origin, and CORS origins outside the allow-list', () => {
    expect(configError({ ...secret, ALLOWED_ORIGINS: '*' }).variable).toBe('ALLOWED_ORIGINS');
    expect(configError({ ...secret, ALLOWED_ORIGINS: 'a.example.com' }).variable).toBe('ALLOWED_ORIGINS');
    expect(configError({ ...secret, ALLOWED_ORIGINS: 'https://a.example.com/path' }).variable).toBe('ALLOWED_ORIGINS');
    expect(configError({ ...secret, ALLOWED_ORIGINS: 'https://a.example.com', CORS_ORIGINS: 'https://evil.example.com' }).variable).toBe('CORS_ORIGINS');
    expect(configError({ ...secret, ALLOWED_ORIGINS: 'https://a.example.com', CORS_ORIGINS: '*' }).variable).toBe('CORS_ORIGINS');
  });

  it('JWT_JWKS_FILE is a key source of its own', () => {
    expect(loadGatewayConfig({ JWT_JWKS_FILE: '/etc/jwks/jwks.json' }).jwt).toEqual({ kind: 'jwks', file: '/etc/jwks/jwks.json' });
    expect(configError({ JWT_JWKS_FILE: '/x.json', JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----' }).message).toMatch(/only one of/);
  });

  it('NATS_CREDS that does not exist stops the gateway at start, naming the variable', () => {
    expect(configError({ ...secret, NATS_CREDS: '/nope/gateway.creds' }).variable).toBe('NATS_CREDS');
  });
});
