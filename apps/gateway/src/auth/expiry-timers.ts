/** What ExpiryTimers calls when its instant has come (a connection whose token expires then). */
export interface ExpiryListener {
  onExpiryDue(): void;
}

/** setTimeout's upper bound; an instant further away is re-armed when the timer fires. */
const MAX_TIMER_MS = 2_147_483_647;

interface Due {
  timer: NodeJS.Timeout;
  listeners: Set<ExpiryListener>;
}

/**
 * Token-expiry timers, one per expiry instant instead of one per connection. A JWT's `exp` is in
 * whole seconds, so connections share far fewer instants than there are connections (tokens issued
 * in the same second share one), and each authenticated upgrade costs a Set entry instead of a
 * Node Timeout and its timer list. A listener is called once its instant has passed by Date.now()
 * (never early: a timer that fires before, or one capped at setTimeout's range, is re-armed).
 */
export class ExpiryTimers {
  private readonly due = new Map<number, Due>();

  /** `onError` hears a listener that threw; the other listeners of the instant are still called. */
  constructor(private readonly onError: (err: unknown) => void) {}

  /** Calls `listener.onExpiryDue()` at `at` (epoch ms). The same listener is held once per instant. */
  add(at: number, listener: ExpiryListener): void {
    let entry = this.due.get(at);
    if (!entry) {
      entry = { timer: this.arm(at), listeners: new Set() };
      this.due.set(at, entry);
    }
    entry.listeners.add(listener);
  }

  /** Forgets `listener` at `at`; the instant's timer goes with its last listener. */
  delete(at: number, listener: ExpiryListener): void {
    const entry = this.due.get(at);
    if (!entry || !entry.listeners.delete(listener) || entry.listeners.size > 0) return;
    clearTimeout(entry.timer);
    this.due.delete(at);
  }

  /** Distinct instants waited for (what the timers cost). */
  get size(): number {
    return this.due.size;
  }

  close(): void {
    for (const entry of this.due.values()) clearTimeout(entry.timer);
    this.due.clear();
  }

  private arm(at: number): NodeJS.Timeout {
    const timer = setTimeout(() => this.fire(at), Math.max(0, Math.min(at - Date.now(), MAX_TIMER_MS)));
    timer.unref();
    return timer;
  }

  private fire(at: number): void {
    const entry = this.due.get(at);
    if (!entry) return;
    if (at > Date.now()) {
      entry.timer = this.arm(at); // early, or beyond setTimeout's range: wait for the rest
      return;
    }
    this.due.delete(at);
    for (const listener of entry.listeners) {
      try {
        listener.onExpiryDue();
      } catch (err) {
        this.onError(err);
      }
    }
  }
}
