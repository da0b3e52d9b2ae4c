import { describe, expect, it } from '@jest/globals';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { AuthError } from './auth-error.js';
import { TokenVerifier, tokenFrom } from './token-verifier.js';

const sign = (key: CryptoKey | Uint8Array, alg: string, sub: string, exp = '1h') =>
  new SignJWT({}).setProtectedHeader({ alg }).setSubject(sub).setIssuedAt().setExpirationTime(exp).sign(key);

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'accepted';
  } catch (err) {
    return (err as AuthError).reason;
  }
}

describe('TokenVerifier', () => {
  it.each(['RS256', 'ES256'] as const)('verifies %s tokens with JWT_PUBLIC_KEY and refuses other keys and algorithms', async (alg) => {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
    const other = await generateKeyPair(alg);
    const verifier = await TokenVerifier.create({ jwt: { kind: 'publicKey', pem: await exportSPKI(publicKey) } });
    const identity = await verifier.verify(await sign(privateKey, alg, 'user-1'));
    expect(identity.userId).toBe('user-1');
    expect(identity.expiresAt).toBeGreaterThan(Date.now());
    expect(await reason(verifier.verify(await sign(other.privateKey, alg, 'user-1')))).toBe('bad_signature');
    // HS256 signed with the public key text must not pass (algorithm confusion).
    const confused = await sign(new TextEncoder().encode(await exportSPKI(publicKey)), 'HS256', 'user-1');
    expect(await reason(verifier.verify(confused))).not.toBe('accepted');
  });

  it('refuses missing, malformed, expired tokens and unsafe subjects with typed reasons', async () => {
    const secret = 'k'.repeat(32);
    const verifier = await TokenVerifier.create({ jwt: { kind: 'secret', secret } });
    const key = new TextEncoder().encode(secret);
    expect(await reason(verifier.verify(undefined))).toBe('missing');
    expect(await reason(verifier.verify('a.b.c'))).toBe('malformed');
    expect(await reason(verifier.verify(await sign(key, 'HS256', 'u', '-1s')))).toBe('expired');
    expect(await reason(verifier.verify(await sign(key, 'HS256', 'trading.*')))).toBe('bad_subject');
    // A token without exp would be valid for ever: refused, with a message that says why.
    const forever = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('u').setIssuedAt().sign(key);
    await expect(verifier.verify(forever)).rejects.toMatchObject({ reason: 'bad_claims', message: 'token has no exp (expiry) claim' });
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"u"}').toString('base64url')}.`;
    expect(await reason(verifier.verify(unsigned))).toBe('malformed');
  });

  it('takes the bearer header before the query token', () => {
    expect(tokenFrom('Bearer abc', 'q')).toBe('abc');
    expect(tokenFrom('', 'q')).toBe('q');
    expect(tokenFrom('Basic xyz', undefined)).toBeUndefined();
  });
});
