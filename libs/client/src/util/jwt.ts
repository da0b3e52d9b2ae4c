import { InvalidTokenError } from '../errors.js';

/**
 * Reads a JWT's `exp` (seconds since epoch) WITHOUT verifying the signature: the SDK only needs to
 * know when to ask the token provider for a fresh token; the gateway does the verifying.
 * Returns undefined for a token without `exp`; throws InvalidTokenError for a malformed token.
 */
export function decodeJwtExp(token: string): number | undefined {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3 || parts[1].length === 0) throw new InvalidTokenError('token is not a compact JWT (header.payload.signature)');
  let payload: unknown;
  try {
    payload = JSON.parse(base64UrlDecode(parts[1]));
  } catch {
    throw new InvalidTokenError('JWT payload is not base64url-encoded JSON');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new InvalidTokenError('JWT payload is not a JSON object');
  const exp = (payload as { exp?: unknown }).exp;
  if (exp === undefined) return undefined;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new InvalidTokenError('JWT exp is not a number');
  return exp;
}

function base64UrlDecode(segment: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) throw new Error('not base64url');
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(segment.length / 4) * 4, '=');
  // atob exists in browsers and in Node >= 16; it yields a binary string, so decode UTF-8 explicitly.
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new TextDecoder().decode(bytes);
}
