import { SignJWT } from 'jose';

export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret-0123456789';

/** Signs an HS256 token for tests; `expiresInSeconds` may be negative for an already expired token. */
export function signToken(sub: string, options: { expiresInSeconds?: number; notBeforeSeconds?: number; secret?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt(now).setExpirationTime(now + (options.expiresInSeconds ?? 3600));
  if (options.notBeforeSeconds) jwt.setNotBefore(now + options.notBeforeSeconds);
  return jwt.sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}
