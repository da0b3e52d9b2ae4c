import { SignJWT, errors, jwtVerify, type JWTPayload } from 'jose';
import { USER_ID_PATTERN } from '@trading/contracts';
import { InvalidTokenError, UsageError } from '../errors.js';

const encoder = new TextEncoder();

export interface MintOptions {
  userId: string;
  secret: string;
  /** Lifetime in seconds. */
  ttlSeconds: number;
  /** Issued-at, epoch seconds; defaults to now. */
  now?: number;
}

/** HS256 token whose `sub` is the user id, as the gateway expects for `/ws/orders` and order entry. */
export async function mintToken(options: MintOptions): Promise<string> {
  if (!USER_ID_PATTERN.test(options.userId)) {
    throw new UsageError(`user id "${options.userId}" must match ${USER_ID_PATTERN.source}`);
  }
  const now = options.now ?? Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.userId)
    .setIssuedAt(now)
    .setExpirationTime(now + options.ttlSeconds)
    .sign(encoder.encode(options.secret));
}

export interface CheckedToken {
  userId: string;
  payload: JWTPayload;
}

/** Verifies signature, expiry and a subject-safe `sub`, the same rules the gateway applies. */
export async function checkToken(token: string, secret: string, currentDate?: Date): Promise<CheckedToken> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, encoder.encode(secret), { algorithms: ['HS256'], currentDate }));
  } catch (err) {
    throw new InvalidTokenError(`invalid token: ${describeJoseError(err)}`);
  }
  if (typeof payload.sub !== 'string' || !USER_ID_PATTERN.test(payload.sub)) {
    throw new InvalidTokenError(`invalid token: "sub" must be a user id matching ${USER_ID_PATTERN.source}`);
  }
  return { userId: payload.sub, payload };
}

function describeJoseError(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'expired';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'signature does not match the secret';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'algorithm is not HS256';
  if (err instanceof errors.JOSEError) return err.message;
  return (err as Error)?.message ?? String(err);
}
