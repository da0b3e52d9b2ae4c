import { decodeJwtExp } from '../util/jwt.js';

/** setTimeout cannot wait longer than 2^31 - 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;
/** Never ask the provider more often than this, even for tokens shorter-lived than the margin. */
export const MIN_REFRESH_INTERVAL_MS = 1_000;

/**
 * How long to wait before asking the token provider for a fresh token: `margin` before the token's
 * `exp`. Undefined when the token has no `exp` (it never needs refreshing). Throws
 * InvalidTokenError for a token whose payload cannot be read.
 */
export function tokenRefreshDelay(token: string, marginMs: number, now: number): number | undefined {
  const exp = decodeJwtExp(token);
  if (exp === undefined) return undefined;
  const delay = exp * 1000 - marginMs - now;
  return Math.min(MAX_TIMER_MS, Math.max(MIN_REFRESH_INTERVAL_MS, delay));
}
