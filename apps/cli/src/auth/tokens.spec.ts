import { describe, expect, it } from '@jest/globals';
import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { checkToken, mintToken } from './tokens.js';
import { DEV_JWT_SECRET, resolveSecret } from './dev-secret.js';
import { InvalidTokenError, UsageError } from '../errors.js';

describe('dev tokens', () => {
  it('round-trips: a minted token checks out with the same secret and names the user in sub', async () => {
    const token = await mintToken({ userId: 'alice_01', secret: 's3cret', ttlSeconds: 120, now: Math.floor(Date.now() / 1000) });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const claims = decodeJwt(token);
    expect(claims.sub).toBe('alice_01');
    expect(claims.exp! - claims.iat!).toBe(120);
    const checked = await checkToken(token, 's3cret');
    expect(checked.userId).toBe('alice_01');
  });

  it('refuses a token signed with another secret', async () => {
    const token = await mintToken({ userId: 'bob', secret: 'one', ttlSeconds: 60 });
    await expect(checkToken(token, 'two')).rejects.toThrow(/signature does not match/);
    await expect(checkToken(token, 'two')).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('refuses an expired token', async () => {
    const token = await mintToken({ userId: 'bob', secret: 'k', ttlSeconds: 60, now: 1_000_000 });
    await expect(checkToken(token, 'k')).rejects.toThrow(/expired/);
    // Still valid at a time inside its window.
    await expect(checkToken(token, 'k', new Date(1_000_030_000))).resolves.toMatchObject({ userId: 'bob' });
  });

  it('refuses garbage and a sub that is not a subject-safe user id', async () => {
    await expect(checkToken('not.a.jwt', 'k')).rejects.toBeInstanceOf(InvalidTokenError);
    const badSub = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('a.b').setExpirationTime('1h').sign(new TextEncoder().encode('k'));
    await expect(checkToken(badSub, 'k')).rejects.toThrow(/"sub" must be a user id/);
    const noSub = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode('k'));
    await expect(checkToken(noSub, 'k')).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('refuses to mint for a user id that is not subject-safe', async () => {
    await expect(mintToken({ userId: 'a.b', secret: 'k', ttlSeconds: 60 })).rejects.toBeInstanceOf(UsageError);
    await expect(mintToken({ userId: '', secret: 'k', ttlSeconds: 60 })).rejects.toBeInstanceOf(UsageError);
  });

  it('takes the secret from the flag, then JWT_SECRET, then the dev default', () => {
    expect(resolveSecret('flag', { JWT_SECRET: 'env' })).toBe('flag');
    expect(resolveSecret(undefined, { JWT_SECRET: 'env' })).toBe('env');
    expect(resolveSecret(undefined, {})).toBe(DEV_JWT_SECRET);
    expect(resolveSecret('', { JWT_SECRET: '' })).toBe(DEV_JWT_SECRET);
  });
});
