import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { withTimeout } from '../util/with-timeout.js';

/**
 * Timings of recovery's point reads (issue 7): the snapshot head, the subject's last journal seq
 * and the published watermark, each one STREAM.MSG.GET (or KV get) answered by its stream's
 * leader. While that stream elects a new leader (right after a cluster node died) nobody answers,
 * and each try used to wait nats.js's full 5 s request timeout. So attempts are short and hedged
 * (another one every 400 ms while none has answered), within an overall budget: an election costs
 * about its own length. A read that gets no answer within the budget FAILS (recovery fails, the
 * symbol stays standby and is retried later): "no answer" is never taken for "not found".
 */
export interface RecoveryReadOptions {
  /** Lifetime of one attempt (request); its late answer still counts while the read is on (default 2000 ms). */
  readonly attemptTimeoutMs?: number;
  /** Another attempt is sent when none has answered for this long; the first answer wins (default 400 ms). */
  readonly hedgeAfterMs?: number;
  /** The read fails once this long has passed since its first attempt (default 10000 ms). */
  readonly budgetMs?: number;
}

export const RECOVERY_READ_ATTEMPT_MS = 2000;
export const RECOVERY_READ_HEDGE_MS = 400;
export const RECOVERY_READ_BUDGET_MS = 10_000;
/** Pause after an attempt failed with nothing else in flight: 50 ms doubling to 400 ms. */
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
  /** Attempts that failed (timeout, no responders, API error) before the read ended. */
  failedAttempts: number;
}

/**
 * Runs `attempt` until one resolves, and resolves with the first answer. Attempts are hedged: when
 * none has answered for `hedgeAfterMs`, another is sent while the earlier ones stay in flight (each
 * for at most `attemptTimeoutMs`), so a request lost in a leader election is followed within
 * `hedgeAfterMs` of the new leader, while a leader that is merely slow still gets to answer the
 * first one. An attempt that fails with nothing else in flight is retried after a short pause.
 * Once `budgetMs` has passed and nothing is in flight, rejects with RecoveryReadError. Whatever
 * `attempt` resolves with (including a definite "not found", e.g. null) is the answer; only a
 * rejection or a timeout is "no answer". `attempt` must therefore turn only a server's explicit
 * "not found" into its not-found value, and throw for everything else. Reads are idempotent, so
 * several in flight are harmless.
 */
export function readWithRetry<T>(what: string, attempt: () => Promise<T>, options: RecoveryReadOptions = {}, stats?: RecoveryReadStats): Promise<T> {
  const attemptMs = options.attemptTimeoutMs ?? RECOVERY_READ_ATTEMPT_MS;
  const hedgeMs = options.hedgeAfterMs ?? RECOVERY_READ_HEDGE_MS;
  const deadline = performance.now() + (options.budgetMs ?? RECOVERY_READ_BUDGET_MS);
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let inFlight = 0;
    let attempts = 0;
    let lastCause: unknown;
    let pause = FIRST_PAUSE_MS;
    let next: ReturnType<typeof setTimeout> | undefined;
    const schedule = (ms: number): void => {
      clearTimeout(next);
      next = setTimeout(launch, ms);
    };
    const finish = (outcome: () => void): void => {
      done = true;
      clearTimeout(next);
      outcome();
    };
    function launch(): void {
      if (done) return;
      const left = deadline - performance.now();
      if (left <= 0) {
        if (inFlight === 0) finish(() => reject(new RecoveryReadError(what, attempts, lastCause)));
        return;
      }
      attempts++;
      inFlight++;
      // No attempt outlives the budget by much (at least 100 ms each).
      withTimeout(attempt(), Math.max(100, Math.min(attemptMs, left)), what).then(
        (value) => {
          inFlight--;
          if (!done) finish(() => resolve(value));
        },
        (err: unknown) => {
          inFlight--;
          if (done) return;
          if (stats) stats.failedAttempts++;
          lastCause = err;
          if (inFlight > 0) return; // the hedge timer is running
          if (performance.now() >= deadline) {
            finish(() => reject(new RecoveryReadError(what, attempts, lastCause)));
            return;
          }
          schedule(pause);
          pause = Math.min(pause * 2, MAX_PAUSE_MS);
        },
      );
      if (!done) schedule(hedgeMs);
    }
    launch();
  });
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
