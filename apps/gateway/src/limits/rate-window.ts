export type RateVerdict = 'accept' | 'limit' | 'close';

/**
 * Inbound frames per connection in fixed one-second windows: up to `perSecond` are accepted, the next
 * `closeAfter` get RATE_LIMITED, one more means sustained abuse and the connection is closed (1008).
 * A few numbers on the connection, no timers.
 */
export class RateWindow {
  private windowStart = 0;
  private count = 0;

  constructor(
    private readonly perSecond: number,
    private readonly closeAfter: number,
  ) {}

  hit(now: number): RateVerdict {
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.count = 0;
    }
    this.count++;
    if (this.count <= this.perSecond) return 'accept';
    if (this.count <= this.perSecond + this.closeAfter) return 'limit';
    return 'close';
  }
}
