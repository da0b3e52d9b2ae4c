import { createHmac, timingSafeEqual } from 'node:crypto';
import { AuthError } from './auth-error.js';

/** What a verified token carries that the gateway reads. */
export interface Hs256Claims {
  sub?: unknown;
  exp?: number;
  [claim: string]: unknown;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** The signature may be empty (then it simply does not match), as with jose. */
const BASE64URL_OR_EMPTY = /^[A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * HS256 (JWT_SECRET) verification with node:crypto, synchronously: the same checks, in the same
 * order and with the same outcomes, as jose's `jwtVerify(token, key, { algorithms: ['HS256'],
 * issuer, audience, clockTolerance: 0 })`, which the gateway used before. jose runs every HMAC
 * through WebCrypto (an async job per token), which was the largest single cost of an
 * authenticated upgrade (bench/gateway/profile-gateway.mjs auth). Differences, both stricter:
 * a token whose header carries `crit` or `b64` is refused (jose accepts `crit:["b64"]` with
 * `b64:true`; no issuer of ours sets either), and segments must be plain base64url.
 * The asymmetric algorithms (JWT_PUBLIC_KEY, JWT_JWKS_FILE) stay on jose.
 * Cross-checked against jose on valid and broken tokens in hs256-verifier.spec.ts.
 */
export class Hs256Verifier {
  constructor(
    private readonly secret: Buffer,
    private readonly issuer?: string,
    private readonly audience?: string,
  ) {}

  verify(token: string): Hs256Claims {
    const parts = token.split('.');
    if (parts.length !== 3) throw malformed();
    const [encodedHeader, encodedPayload, encodedSignature] = parts;
    if (!BASE64URL.test(encodedHeader) || !BASE64URL.test(encodedPayload) || !BASE64URL_OR_EMPTY.test(encodedSignature)) throw malformed();
    // A length of 4n+1 is not base64 at all (jose refuses it as malformed, not as a bad signature).
    if (encodedSignature.length % 4 === 1) throw malformed();
    const header = decodeObject(encodedHeader);
    if (!header) throw malformed();
    if ('crit' in header || 'b64' in header) throw malformed();
    // The algorithm is pinned by the key: `none`, HS384/512, RS256... are refused before any crypto.
    if (header.alg !== 'HS256') throw malformed();
    const expected = createHmac('sha256', this.secret).update(`${encodedHeader}.${encodedPayload}`).digest();
    const signature = Buffer.from(encodedSignature, 'base64url');
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) throw new AuthError('bad_signature', 'token signature is invalid');
    const claims = decodeObject(encodedPayload);
    if (!claims) throw malformed();
    // jose's presence check order: iss before aud (both "bad_claims").
    if (this.issuer !== undefined && !Object.hasOwn(claims, 'iss')) throw badClaim('iss');
    if (this.audience !== undefined && !Object.hasOwn(claims, 'aud')) throw badClaim('aud');
    if (this.issuer !== undefined && claims.iss !== this.issuer) throw badClaim('iss');
    if (this.audience !== undefined && !(typeof claims.aud === 'string' ? claims.aud === this.audience : Array.isArray(claims.aud) && claims.aud.includes(this.audience))) throw badClaim('aud');
    const now = Math.floor(Date.now() / 1000);
    if (claims.iat !== undefined && typeof claims.iat !== 'number') throw badClaim('iat');
    if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > now)) throw new AuthError('not_yet_valid', 'token not yet valid');
    if (claims.exp !== undefined) {
      if (typeof claims.exp !== 'number') throw badClaim('exp');
      if (claims.exp <= now) throw new AuthError('expired', 'token expired');
    }
    return claims as Hs256Claims;
  }
}

function decodeObject(segment: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(Buffer.from(segment, 'base64url')));
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

const malformed = () => new AuthError('malformed', 'token is not a valid JWT for this gateway');
const badClaim = (claim: string) => new AuthError('bad_claims', `token claim ${claim} is not acceptable`);
