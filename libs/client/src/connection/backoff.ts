/**
 * Jittered exponential backoff. The n-th consecutive failure waits
 * `min(maxDelayMs, initialDelayMs * factor^n)`, minus a random share of up to `jitter` of it, so
 * that thousands of clients dropped by the same replica do not reconnect in lockstep.
 */
export interface BackoffOptions {
  /** Delay before the first retry. Default 250 ms. */
  initialDelayMs?: number;
  /** Upper bound of any delay. Default 10 000 ms. */
  maxDelayMs?: number;
  /** Growth per consecutive failure. Default 2. */
  factor?: number;
  /** Share of the delay that is randomised, 0..1. Default 0.5 (delay is in [d/2, d]). */
  jitter?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = {
  initialDelayMs: 250,
  maxDelayMs: 10_000,
  factor: 2,
  jitter: 0.5,
};

/** Delay before retry number `attempt` (0-based); `random` returns a value in [0, 1). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const { initialDelayMs, maxDelayMs, factor, jitter } = { ...DEFAULT_BACKOFF, ...options };
  const exponent = Math.max(0, Math.min(attempt, 64));
  const ceiling = Math.min(maxDelayMs, initialDelayMs * Math.pow(factor, exponent));
  const share = Math.min(1, Math.max(0, jitter));
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(ceiling * (1 - share * r));
}
