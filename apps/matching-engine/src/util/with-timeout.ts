/** A request that did not settle within its time limit. */
export class TimedOutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} took more than ${ms} ms`);
    this.name = 'TimedOutError';
  }
}

/**
 * Settles like `promise`, or rejects with TimedOutError after `ms`. The abandoned promise's late
 * failure is dropped; its late value goes to `late` (e.g. to delete a consumer created too late).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string, late?: (value: T) => void): Promise<T> {
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new TimedOutError(what, ms));
    }, ms);
  });
  promise.then(
    (value) => {
      if (timedOut) late?.(value);
    },
    () => undefined,
  );
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
