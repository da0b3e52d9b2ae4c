/**
 * Units of work per fixed one-second window (here: resume points of one connection): `take(n)`
 * spends n if they fit in what is left of this second, else spends nothing. Like RateWindow, a few
 * numbers on the connection and no timers.
 */
export class WindowBudget {
  private windowStart = 0;
  private spent = 0;

  constructor(readonly perSecond: number) {}

  take(units: number, now: number): boolean {
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.spent = 0;
    }
    if (this.spent + units > this.perSecond) return false;
    this.spent += units;
    return true;
  }
}
