import { createSecretKey, type KeyObject } from 'node:crypto';
import { errors as joseErrors, importSPKI, jwtVerify, type JWTVerifyOptions } from 'jose';
import { isUserId } from '@trading/contracts';
import type { GatewayConfig } from '../config/gateway-config.js';
import { ConfigError } from '../config/config-error.js';
import { AuthError } from './auth-error.js';

/** Who a verified token speaks for, and until when (epoch ms; Infinity when the token has no exp). */
export interface Identity {
  userId: string;
  expiresAt: number;
}

const MAX_TOKEN_LENGTH = 8192;

/** Verifies JWTs with jose: the algorithm is pinned by the configured key so `alg: none` or HS/RS confusion cannot pass. */
export class TokenVerifier {
  private constructor(
    private readonly key: KeyObject | CryptoKey,
    private readonly options: JWTVerifyOptions,
  ) {}

  static async create(config: Pick<GatewayConfig, 'jwt' | 'jwtIssuer' | 'jwtAudience'>): Promise<TokenVerifier> {
    const options: JWTVerifyOptions = { issuer: config.jwtIssuer, audience: config.jwtAudience, clockTolerance: 0 };
    if (config.jwt.kind === 'secret') {
      return new TokenVerifier(createSecretKey(Buffer.from(config.jwt.secret)), { ...options, algorithms: ['HS256'] });
    }
    const pem = config.jwt.pem;
    // The PEM alone does not say RSA or EC; try both and keep whichever parses.
    for (const alg of ['RS256', 'ES256'] as const) {
      try {
        return new TokenVerifier(await importSPKI(pem, alg), { ...options, algorithms: [alg] });
      } catch {
        /* try the next algorithm */
      }
    }
    throw new ConfigError('JWT_PUBLIC_KEY', 'is neither an RSA nor a P-256 EC public key');
  }

  async verify(token: string | undefined): Promise<Identity> {
    if (!token) throw new AuthError('missing', 'a token is required');
    if (token.length > MAX_TOKEN_LENGTH) throw new AuthError('malformed', 'token too long');
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.key, this.options));
    } catch (err) {
      throw toAuthError(err);
    }
    if (!isUserId(payload.sub)) throw new AuthError('bad_subject', 'token sub must be a user id matching ^[A-Za-z0-9_-]{1,64}$');
    const expiresAt = typeof payload.exp === 'number' ? payload.exp * 1000 : Number.POSITIVE_INFINITY;
    return { userId: payload.sub, expiresAt };
  }
}

function toAuthError(err: unknown): AuthError {
  if (err instanceof joseErrors.JWTExpired) return new AuthError('expired', 'token expired');
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return new AuthError('not_yet_valid', 'token not yet valid');
    return new AuthError('bad_claims', `token claim ${err.claim} is not acceptable`);
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return new AuthError('bad_signature', 'token signature is invalid');
  return new AuthError('malformed', 'token is not a valid JWT for this gateway');
}

/** `Authorization: Bearer <jwt>` first, then `?token=`. */
export function tokenFrom(authorizationHeader: string, queryToken: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorizationHeader);
  if (match) return match[1];
  return queryToken || undefined;
}
