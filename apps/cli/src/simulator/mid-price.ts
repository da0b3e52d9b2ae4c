import { priceToTicks, ticksToPrice, type SymbolSpec } from '@trading/contracts';
import { randomInt, type Random } from './random.js';

/** Where each well-known symbol starts; anything else starts at 100. */
const STARTING_MIDS: Record<string, string> = { 'BTC-USD': '50000', 'ETH-USD': '3000' };

/**
 * A mid price that drifts as a random walk in whole ticks, so simulated orders land on valid
 * prices without any floating-point rounding.
 */
export class MidPrice {
  private ticks: number;
  /** One "step" is about one basis point of the starting price, at least one tick. */
  readonly stepTicks: number;
  private readonly floorTicks: number;

  constructor(
    readonly spec: SymbolSpec,
    start = STARTING_MIDS[spec.symbol] ?? '100',
  ) {
    this.ticks = priceToTicks(spec, start.includes('.') ? start : withDecimals(start, spec.tick.decimals));
    this.stepTicks = Math.max(1, Math.round(this.ticks / 10_000));
    this.floorTicks = this.stepTicks * 100;
  }

  get currentTicks(): number {
    return this.ticks;
  }

  /** Moves the mid by -1, 0 or +1 steps. */
  drift(random: Random): void {
    this.ticks = Math.max(this.floorTicks, this.ticks + randomInt(random, -1, 1) * this.stepTicks);
  }

  /** A price `steps` steps away from the mid (negative = below), never below one step. */
  priceAt(steps: number): string {
    return ticksToPrice(this.spec, Math.max(this.stepTicks, this.ticks + steps * this.stepTicks));
  }
}

function withDecimals(whole: string, decimals: number): string {
  return decimals === 0 ? whole : `${whole}.${'0'.repeat(decimals)}`;
}
