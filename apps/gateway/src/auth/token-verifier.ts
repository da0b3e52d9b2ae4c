import { webcrypto, type KeyObject } from 'node:crypto';
import { errors as joseErrors, importSPKI, jwtVerify, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import { isUserId } from '@trading/contracts';
import type { GatewayConfig } from '../config/gateway-config.js';
import { ConfigError } from '@trading/service-config';
import { AuthError } from './auth-error.js';
import { JwksFile, JwksFileError, type JwksReload } from './jwks-file.js';

/** Who a verified token speaks for, and until when (epoch ms; Infinity when the token has no exp). */
export interface Identity {
  userId: string;
  expiresAt: number;
}

const MAX_TOKEN_LENGTH = 8192;

/** Verifies JWTs with jose: the algorithm is pinned by the configured key so `alg: none` or HS/RS confusion cannot pass. */
export class TokenVerifier {
  private constructor(
    private readonly key: KeyObject | CryptoKey | JWTVerifyGetKey,
    private readonly options: JWTVerifyOptions,
    /** Set with JWT_JWKS_FILE: the key set that reload() and the file watcher refresh. */
    readonly jwks?: JwksFile,
  ) {}

  /**
   * `onJwksReload` hears every reload of a JWKS file (for logs and metrics); with a JWKS file the
   * verifier watches it until close().
   */
  static async create(
    config: Pick<GatewayConfig, 'jwt' | 'jwtIssuer' | 'jwtAudience'>,
    onJwksReload: (result: JwksReload) => void = () => undefined,
  ): Promise<TokenVerifier> {
    // `exp` is required: a token without one would be valid for ever, and an open connection would
    // never be closed for its expiry.
    const options: JWTVerifyOptions = { issuer: config.jwtIssuer, audience: config.jwtAudience, clockTolerance: 0, requiredClaims: ['exp'] };
    if (config.jwt.kind === 'jwks') {
      let jwks: JwksFile;
      try {
        jwks = JwksFile.load(config.jwt.file, onJwksReload);
      } catch (err) {
        if (err instanceof JwksFileError) throw new ConfigError('JWT_JWKS_FILE', err.message);
        throw err;
      }
      jwks.watch();
      // Asymmetric algorithms only: a JWKS is public, so an HS256 token "signed" with it must not pass.
      return new TokenVerifier(jwks.getKey, { ...options, algorithms: ['RS256', 'ES256'] }, jwks);
    }
    if (config.jwt.kind === 'secret') {
      // jose converts a KeyObject into a WebCrypto key on every verify; importing it once makes an
      // authenticated upgrade markedly cheaper (see bench/gateway/jwt-verify-cost.mjs).
      const key = await webcrypto.subtle.importKey('raw', Buffer.from(config.jwt.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
      return new TokenVerifier(key as CryptoKey, { ...options, algorithms: ['HS256'] });
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

  /** Re-reads the JWKS file now (SIGHUP); a no-op result when keys are not from a file. */
  reloadKeys(): JwksReload | undefined {
    return this.jwks?.reload();
  }

  close(): void {
    this.jwks?.close();
  }

  async verify(token: string | undefined): Promise<Identity> {
    if (!token) throw new AuthError('missing', 'a token is required');
    if (token.length > MAX_TOKEN_LENGTH) throw new AuthError('malformed', 'token too long');
    let payload;
    try {
      // Two overloads (key or key resolver); the union is either.
      ({ payload } = await jwtVerify(token, this.key as JWTVerifyGetKey, this.options));
    } catch (err) {
      throw toAuthError(err);
    }
    if (!isUserId(payload.sub)) throw new AuthError('bad_subject', 'token sub must be a user id matching ^[A-Za-z0-9_-]{1,64}$');
    return { userId: payload.sub, expiresAt: (payload.exp as number) * 1000 };
  }
}

function toAuthError(err: unknown): AuthError {
  if (err instanceof joseErrors.JWTExpired) return new AuthError('expired', 'token expired');
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return new AuthError('not_yet_valid', 'token not yet valid');
    if (err.claim === 'exp' && err.reason === 'missing') return new AuthError('bad_claims', 'token has no exp (expiry) claim');
    return new AuthError('bad_claims', `token claim ${err.claim} is not acceptable`);
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return new AuthError('bad_signature', 'token signature is invalid');
  // A kid that is not (or no longer) in the JWKS: a removed key is refused like a bad signature.
  if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys) return new AuthError('bad_signature', 'token is not signed by a current key');
  return new AuthError('malformed', 'token is not a valid JWT for this gateway');
}

/** `Authorization: Bearer <jwt>` first, then `?token=`. */
export function tokenFrom(authorizationHeader: string, queryToken: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorizationHeader);
  if (match) return match[1];
  return queryToken || undefined;
}
