import { SignJWT } from 'jose';
import { USER_ID_PATTERN } from '@trading/contracts';
import { HttpError, WebErrorCode } from './http-errors.js';

export interface DevToken {
  userId: string;
  token: string;
  /** Epoch ms. */
  expiresAt: number;
}

/**
 * DEV ONLY: signs an HS256 token for any user id with the dev stack's secret, exactly like
 * `npm run cli -- gentoken <user>`, so the page can sign in without a real identity provider.
 */
export async function mintDevToken(body: unknown, secret: string | undefined, ttlSeconds: number, now = Date.now()): Promise<DevToken> {
  if (secret === undefined) {
    throw new HttpError(404, WebErrorCode.DEV_TOKENS_DISABLED, 'dev tokens are off: this server has no JWT_SECRET (paste a JWT instead)');
  }
  const userId = (body as { userId?: unknown } | null)?.userId;
  if (typeof userId !== 'string' || !USER_ID_PATTERN.test(userId)) {
    throw new HttpError(400, WebErrorCode.VALIDATION_FAILED, 'userId is not a valid user id', { userId: 'must match ^[A-Za-z0-9_-]{1,64}$' });
  }
  const iat = Math.floor(now / 1000);
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(new TextEncoder().encode(secret));
  return { userId, token, expiresAt: (iat + ttlSeconds) * 1000 };
}
