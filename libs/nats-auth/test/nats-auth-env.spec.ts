import { describe, expect, it } from '@jest/globals';
import { writeTempFile } from '@trading/testing';
import { NatsAuthConfigError, natsIdentityOptions, readNatsAuth, redactUrls, splitCredentials } from '../src/index.js';

const CREDS = '-----BEGIN NATS USER JWT-----\neyJ0\n------END NATS USER JWT------\n-----BEGIN USER NKEY SEED-----\nSUAX\n------END USER NKEY SEED------\n';

function errorOf(fn: () => unknown): NatsAuthConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof NatsAuthConfigError) return err;
    throw err;
  }
  throw new Error('expected NatsAuthConfigError');
}

describe('readNatsAuth', () => {
  it('is empty when nothing is set', () => {
    expect(readNatsAuth({})).toEqual({ user: undefined, pass: undefined, credsFile: undefined, tls: undefined });
  });

  it('takes a creds file and TLS files that exist', () => {
    const creds = writeTempFile('svc.creds', CREDS);
    const pem = writeTempFile('ca.pem', '-----BEGIN CERTIFICATE-----\n');
    const auth = readNatsAuth({ NATS_CREDS: creds, NATS_TLS_CA: pem, NATS_TLS_CERT: pem, NATS_TLS_KEY: pem });
    expect(auth).toMatchObject({ credsFile: creds, tls: { caFile: pem, certFile: pem, keyFile: pem } });
  });

  it('names the variable of a missing file', () => {
    expect(errorOf(() => readNatsAuth({ NATS_CREDS: '/nonexistent/x.creds' }))).toMatchObject({ variable: 'NATS_CREDS', code: 'INVALID_NATS_AUTH' });
    expect(errorOf(() => readNatsAuth({ NATS_TLS_CA: '/nonexistent/ca.pem' })).variable).toBe('NATS_TLS_CA');
    expect(errorOf(() => readNatsAuth({ NATS_TLS_CA: '/tmp' })).message).toMatch(/not a regular file/);
  });

  it('refuses a file that is not a creds file', () => {
    const notCreds = writeTempFile('svc.creds', 'hello');
    expect(errorOf(() => readNatsAuth({ NATS_CREDS: notCreds })).message).toMatch(/not a NATS \.creds file/);
  });

  it('refuses creds together with user:password in NATS_URL', () => {
    const creds = writeTempFile('svc.creds', CREDS);
    expect(errorOf(() => readNatsAuth({ NATS_CREDS: creds, NATS_URL: 'nats://a:4222,nats://u:p@b:4222' })).message).toMatch(/not both/);
  });

  it('takes NATS_USER/NATS_PASSWORD, alone', () => {
    expect(readNatsAuth({ NATS_USER: 'engine', NATS_PASSWORD: ' p w ' })).toMatchObject({ user: 'engine', pass: ' p w ' });
    expect(errorOf(() => readNatsAuth({ NATS_PASSWORD: 'x' })).variable).toBe('NATS_USER');
    expect(errorOf(() => readNatsAuth({ NATS_USER: 'a', NATS_URL: 'nats://u:p@h:4222' })).message).toMatch(/not both/);
    expect(errorOf(() => readNatsAuth({ NATS_USER: 'a', NATS_CREDS: writeTempFile('svc.creds', CREDS) })).variable).toBe('NATS_CREDS');
    const options = natsIdentityOptions(['nats://h:4222'], { user: 'engine', pass: 'pw' });
    expect([options.user, options.pass]).toEqual(['engine', 'pw']);
  });

  it('needs a client certificate and its key together', () => {
    const pem = writeTempFile('cert.pem', 'x');
    expect(errorOf(() => readNatsAuth({ NATS_TLS_CERT: pem })).variable).toBe('NATS_TLS_KEY');
    expect(errorOf(() => readNatsAuth({ NATS_TLS_KEY: pem })).variable).toBe('NATS_TLS_CERT');
  });
});

describe('connect options', () => {
  it('splits percent-encoded user:password off the URLs and redacts them for logs', () => {
    expect(splitCredentials(['nats://svc:p%40ss%3Aw@a:4222', 'nats://b:4222'])).toEqual({ servers: ['nats://a:4222', 'nats://b:4222'], user: 'svc', pass: 'p@ss:w' });
    expect(redactUrls(['nats://svc:secret@a:4222', 'nats://b:4222'])).toEqual(['nats://***@a:4222', 'nats://b:4222']);
  });

  it('adds a creds authenticator and TLS files', () => {
    const creds = writeTempFile('svc.creds', CREDS);
    const options = natsIdentityOptions(['tls://a:4222'], { credsFile: creds, tls: { caFile: '/ca.pem' } });
    expect(options.servers).toEqual(['tls://a:4222']);
    expect(typeof options.authenticator).toBe('function');
    expect(options.tls).toEqual({ caFile: '/ca.pem' });
    expect(options.user).toBeUndefined();
  });
});
