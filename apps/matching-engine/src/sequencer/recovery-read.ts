import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

/**
 * Timings of recovery's point reads (issue 7): the snapshot head, the subject's last journal seq
 * and the published watermark, each one STREAM.MSG.GET (or KV get) answered by its stream's
 * leader. While that stream elects a new leader (right after a cluster node died) nobody answers,
 * and each try used to wait nats.js's full 5 s request timeout. So each attempt gets a short
 * timeout and a failed attempt is retried quickly, within an overall budget: an election costs
 * about its own length. A read that gets no answer within the budget FAILS (recovery fails, the
 * symbol stays standby and is retried later): "no answer" is never taken for "not found".
 */
export interface RecoveryReadOptions {
  /** Timeout of one attempt (default 1200 ms). */
  readonly attemptTimeoutMs?: number;
  /** The read fails once this long has passed since its first attempt (default 10000 ms). */
  readonly budgetMs?: number;
}

export const RECOVERY_READ_ATTEMPT_MS = 1200;
export const RECOVERY_READ_BUDGET_MS = 10_000;
/** Pause after a failed attempt: 50 ms doubling to 400 ms. */
const FIRST_PAUSE_MS = 50;
const MAX_PAUSE_MS = 400;

/** A recovery read that got no usable answer within its budget. */
export class RecoveryReadError extends Error {
  readonly code = 'RECOVERY_READ_FAILED';
  constructor(
    readonly what: string,
    readonly attempts: number,
    readonly lastCause: unknown,
  ) {
    super(`${what}: no answer after ${attempts} attempts${lastCause instanceof Error ? ` (last: ${lastCause.message})` : ''}`);
    this.name = 'RecoveryReadError';
  }
}

export interface RecoveryReadStats {
  /** Attempts that failed (timeout, no responders, API error) and were retried or ended the read. */
  failedAttempts: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it resolves: each attempt bounded by `attemptTimeoutMs`, failed ones retried
 * after a short pause, until `budgetMs` has passed, then rejects with RecoveryReadError. Whatever
 * `attempt` resolves with (including a definite "not found", e.g. null) is the answer; only a
 * rejection or a timeout is "no answer". `attempt` must therefore turn only a server's explicit
 * "not found" into its not-found value, and throw for everything else.
 */
export async function readWithRetry<T>(what: string, attempt: () => Promise<T>, options: RecoveryReadOptions = {}, stats?: RecoveryReadStats): Promise<T> {
  const attemptMs = options.attemptTimeoutMs ?? RECOVERY_READ_ATTEMPT_MS;
  const budgetMs = options.budgetMs ?? RECOVERY_READ_BUDGET_MS;
  const deadline = performance.now() + budgetMs;
  let pause = FIRST_PAUSE_MS;
  let attempts = 0;
  for (;;) {
    attempts++;
    // The last attempt gets only what is left of the budget (but at least 100 ms).
    const ms = Math.max(100, Math.min(attemptMs, deadline - performance.now()));
    try {
      return await withTimeout(attempt(), ms, what);
    } catch (err) {
      if (stats) stats.failedAttempts++;
      if (performance.now() + pause >= deadline) throw new RecoveryReadError(what, attempts, err);
      await sleep(pause);
      pause = Math.min(pause * 2, MAX_PAUSE_MS);
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms);
  });
  // A late answer (or late failure) of an abandoned attempt is dropped.
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const quickManagers = new WeakMap<NatsConnection, Map<number, Promise<JetStreamManager>>>();

/**
 * A JetStreamManager on `nc` whose requests time out after `timeoutMs` (so an abandoned attempt
 * does not leave a 5 s request behind), shared per connection and timeout.
 */
export function quickManager(nc: NatsConnection, timeoutMs: number): Promise<JetStreamManager> {
  let byTimeout = quickManagers.get(nc);
  if (!byTimeout) quickManagers.set(nc, (byTimeout = new Map()));
  let jsm = byTimeout.get(timeoutMs);
  if (!jsm) {
    jsm = jetstreamManager(nc, { timeout: timeoutMs, checkAPI: false });
    byTimeout.set(timeoutMs, jsm);
    jsm.catch(() => byTimeout!.delete(timeoutMs));
  }
  return jsm;
}

/** The connection of a JetStreamManager (nats.js's implementation has `getConnection`), if it says. */
export function connectionOf(jsm: JetStreamManager): NatsConnection | undefined {
  const get = (jsm as unknown as { getConnection?: () => NatsConnection }).getConnection;
  return typeof get === 'function' ? get.call(jsm) : undefined;
}
