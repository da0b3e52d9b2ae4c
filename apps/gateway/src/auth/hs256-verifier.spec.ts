import { describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { AuthError } from './auth-error.js';
import { Hs256Verifier } from './hs256-verifier.js';

const SECRET = 'hs256-verifier-test-secret-0123456789';
const key = new TextEncoder().encode(SECRET);
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
/** A compact token with any header and payload, signed with `secret` (HS256 over the exact segments). */
const raw = (header: unknown, payload: unknown, secret = SECRET) => {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
};
const now = () => Math.floor(Date.now() / 1000);
const signedSegments = (header: string, payload: string) => `${header}.${payload}.${createHmac('sha256', SECRET).update(`${header}.${payload}`).digest('base64url')}`;

/** The reason jose (what the gateway used before) gives for a token, mapped as TokenVerifier maps it. */
async function joseReason(token: string, options: { issuer?: string; audience?: string } = {}): Promise<string> {
  try {
    await jwtVerify(token, key, { algorithms: ['HS256'], clockTolerance: 0, ...options });
    return 'accepted';
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) return 'expired';
    if (err instanceof joseErrors.JWTClaimValidationFailed) return err.claim === 'nbf' ? 'not_yet_valid' : 'bad_claims';
    if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad_signature';
    return 'malformed';
  }
}

function fastReason(token: string, options: { issuer?: string; audience?: string } = {}): string {
  try {
    new Hs256Verifier(Buffer.from(SECRET), options.issuer, options.audience).verify(token);
    return 'accepted';
  } catch (err) {
    if (err instanceof AuthError) return err.reason;
    throw err;
  }
}

describe('Hs256Verifier: the same verdicts as jose jwtVerify (HS256, clockTolerance 0)', () => {
  it('agrees with jose on valid and broken tokens', async () => {
    const t = now();
    const good = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuedAt().setExpirationTime('1h').sign(key);
    const [h, p, s] = good.split('.');
    const flip = (seg: string) => (seg[0] === 'A' ? 'B' : 'A') + seg.slice(1);
    const cases: [string, string, { issuer?: string; audience?: string }?][] = [
      ['valid (jose-signed)', good],
      ['valid, typ JWT, no exp', raw({ alg: 'HS256', typ: 'JWT' }, { sub: 'bob' })],
      ['valid with iss/aud options', raw({ alg: 'HS256' }, { sub: 'a', iss: 'me', aud: ['x', 'you'] }), { issuer: 'me', audience: 'you' }],
      ['aud string matches', raw({ alg: 'HS256' }, { sub: 'a', aud: 'you' }), { audience: 'you' }],
      ['wrong secret', raw({ alg: 'HS256' }, { sub: 'a' }, 'another-secret-another-secret-1234')],
      ['tampered payload', `${h}.${b64({ sub: 'mallory', exp: t + 3600 })}.${s}`],
      ['tampered signature', `${h}.${p}.${flip(s)}`],
      ['truncated signature', `${h}.${p}.${s.slice(0, 20)}`],
      ['empty signature', `${h}.${p}.`],
      ['alg none, unsigned', `${b64({ alg: 'none' })}.${b64({ sub: 'a' })}.`],
      ['alg none, signed anyway', raw({ alg: 'none' }, { sub: 'a' })],
      ['alg HS512', raw({ alg: 'HS512' }, { sub: 'a' })],
      ['alg RS256', raw({ alg: 'RS256' }, { sub: 'a' })],
      ['alg missing', raw({ typ: 'JWT' }, { sub: 'a' })],
      ['alg not a string', raw({ alg: 256 }, { sub: 'a' })],
      ['two parts', `${h}.${p}`],
      ['four parts', `${good}.x`],
      ['empty string segments', '..'],
      ['header not JSON', `${b64('nope')}.${p}.${s}`],
      ['header an array', raw(['HS256'], { sub: 'a' })],
      ['payload an array', raw({ alg: 'HS256' }, [1, 2])],
      ['payload a string', raw({ alg: 'HS256' }, '"sub"')],
      ['payload null', raw({ alg: 'HS256' }, 'null')],
      ['payload not JSON', raw({ alg: 'HS256' }, '{sub:a}')],
      ['expired', raw({ alg: 'HS256' }, { sub: 'a', exp: t - 10 })],
      ['expires now', raw({ alg: 'HS256' }, { sub: 'a', exp: t - 1 })],
      ['exp a string', raw({ alg: 'HS256' }, { sub: 'a', exp: String(t + 100) })],
      ['nbf in the future', raw({ alg: 'HS256' }, { sub: 'a', nbf: t + 600 })],
      ['nbf a string', raw({ alg: 'HS256' }, { sub: 'a', nbf: 'soon' })],
      ['nbf in the past', raw({ alg: 'HS256' }, { sub: 'a', nbf: t - 600, exp: t + 600 })],
      ['iat a string', raw({ alg: 'HS256' }, { sub: 'a', iat: 'yesterday' })],
      ['nbf string and expired', raw({ alg: 'HS256' }, { sub: 'a', nbf: 'x', exp: t - 5 })],
      ['iss missing', raw({ alg: 'HS256' }, { sub: 'a', aud: 'you' }), { issuer: 'me', audience: 'you' }],
      ['iss wrong', raw({ alg: 'HS256' }, { sub: 'a', iss: 'them' }), { issuer: 'me' }],
      ['aud missing', raw({ alg: 'HS256' }, { sub: 'a', iss: 'me' }), { issuer: 'me', audience: 'you' }],
      ['aud wrong', raw({ alg: 'HS256' }, { sub: 'a', aud: ['x'] }), { audience: 'you' }],
      ['aud a number', raw({ alg: 'HS256' }, { sub: 'a', aud: 7 }), { audience: 'you' }],
      ['expired and iss wrong (claims before dates)', raw({ alg: 'HS256' }, { sub: 'a', iss: 'them', exp: t - 5 }), { issuer: 'me' }],
      ['bad signature and expired (signature first)', `${raw({ alg: 'HS256' }, { sub: 'a', exp: t - 5 }).slice(0, -2)}AA`],
      ['signature of 4n+1 characters', `${h}.${p}.x`],
      ['invalid UTF-8 in payload, signed', signedSegments(b64({ alg: 'HS256' }), Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url'))],
      ['invalid UTF-8 in header, signed', signedSegments(Buffer.from([0x7b, 0xfe, 0x7d]).toString('base64url'), b64({ sub: 'a' }))],
      ['non-base64url characters', `${h}.${p}.${s.slice(0, -1)}+`],
    ];
    const differences = [];
    for (const [name, token, options] of cases) {
      const expected = await joseReason(token, options);
      const got = fastReason(token, options);
      if (got !== expected) differences.push({ name, jose: expected, fast: got });
    }
    expect(differences).toEqual([]);
    // The cases cover every outcome.
    const outcomes = new Set(await Promise.all(cases.map(([, token, options]) => joseReason(token, options))));
    expect([...outcomes].sort()).toEqual(['accepted', 'bad_claims', 'bad_signature', 'expired', 'malformed', 'not_yet_valid']);
  });

  it('is stricter than jose only for crit/b64 headers, which no issuer of ours sets', async () => {
    const withCrit = raw({ alg: 'HS256', crit: ['b64'], b64: true }, { sub: 'a' });
    expect(await joseReason(withCrit)).toBe('accepted');
    expect(fastReason(withCrit)).toBe('malformed');
    expect(fastReason(raw({ alg: 'HS256', b64: true }, { sub: 'a' }))).toBe('malformed');
  });

  it('returns the claims of a valid token', () => {
    const claims = new Hs256Verifier(Buffer.from(SECRET)).verify(raw({ alg: 'HS256' }, { sub: 'carol', exp: now() + 60 }));
    expect(claims.sub).toBe('carol');
    expect(claims.exp).toBeGreaterThan(now());
  });
});
