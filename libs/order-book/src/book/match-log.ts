import type { BookOrder } from './book-order.js';
import type { PriceLevel } from './price-level.js';

export const STEP_FILL = 0;
export const STEP_MAKER_EXPIRED = 1;

/**
 * What one command did to the book, in order: fills and makers expired by self-trade prevention,
 * plus every level it changed. Reused across commands (reset, not reallocated) so that matching
 * allocates nothing per fill beyond the growth of these arrays.
 */
export class MatchLog {
  kinds: number[] = [];
  makers: BookOrder[] = [];
  /** Lots filled (STEP_FILL) or expired (STEP_MAKER_EXPIRED). */
  quantities: number[] = [];
  /** Price in ticks of the fill (always the maker's price). */
  prices: number[] = [];
  length = 0;
  touched: PriceLevel[] = [];
  touchedLength = 0;
  /** The taker stopped at its own resting order (stp expire_taker / expire_both). */
  takerExpiredBySelfTrade = false;

  reset(): void {
    this.length = 0;
    this.touchedLength = 0;
    this.takerExpiredBySelfTrade = false;
  }

  push(kind: number, maker: BookOrder, quantity: number, price: number): void {
    const i = this.length++;
    this.kinds[i] = kind;
    this.makers[i] = maker;
    this.quantities[i] = quantity;
    this.prices[i] = price;
  }

  touch(level: PriceLevel, epoch: number): void {
    if (level.touchedAt === epoch) return;
    level.touchedAt = epoch;
    this.touched[this.touchedLength++] = level;
  }
}
