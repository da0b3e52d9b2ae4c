/**
 * Order-entry requests per user per second on this replica, in one fixed one-second window shared
 * by all users: the map holds only the users seen in the current second, so its memory is bounded
 * by one second's traffic (no per-user timers, no sweeping).
 */
export class UserRequestRate {
  private windowStart = 0;
  private readonly counts = new Map<string, number>();

  constructor(private readonly perSecond: number) {}

  /** Counts a request of `userId`; false when the user is over the limit in this second. */
  allow(userId: string, now: number): boolean {
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.counts.clear();
    }
    const count = (this.counts.get(userId) ?? 0) + 1;
    this.counts.set(userId, count);
    return count <= this.perSecond;
  }
}
