import type { PriceLevel } from './price-level.js';
import { STATUS_NEW, STP_EXPIRE_TAKER, TIF_GTC, type ReasonCode, type SideCode, type StatusCode, type StpCode, type TifCode } from './codes.js';

/**
 * One order. A single class for the whole library (the core and the engine's wire fields) so that
 * every hot function sees one object shape. Resting orders are nodes of an intrusive
 * doubly-linked FIFO inside their price level: cancel is O(1) with no list search.
 */
export class BookOrder {
  prev: BookOrder | null = null;
  next: BookOrder | null = null;
  level: PriceLevel | null = null;
  /** Lots filled so far. */
  filled = 0;

  // --- Set by the engine (the core only reads `owner`, for self-trade prevention). The wire texts
  // (order id, price, quantity) are derived when needed rather than stored: a million resting
  // orders are then a million fewer strings to restore and to trace in every GC.
  clientOrderId = '';

  // --- The original reply of the place command, kept compactly so a retry can rebuild its bytes.
  placeSeq = 0;
  placeTs = 0;
  placeFilled = 0;
  placeStatus: StatusCode = STATUS_NEW;
  placeReason: ReasonCode = 0;
  /** Trade id of the fill the reply shows as `lastFill`, 0 when the reply has none. */
  placeTradeId = 0;
  placeFillPrice = 0;
  placeFillQty = 0;

  constructor(
    /** Per-symbol order number (the n of `{symbol}-{n}`). */
    readonly id: number,
    /** User id; orders of the same owner never trade with each other unless stp is none. */
    readonly owner: string,
    readonly side: SideCode,
    /** Limit price in ticks; 0 for market orders. */
    readonly price: number,
    /** Original quantity in lots. */
    readonly quantity: number,
    readonly isMarket: boolean = false,
    readonly tif: TifCode = TIF_GTC,
    readonly postOnly: boolean = false,
    readonly stp: StpCode = STP_EXPIRE_TAKER,
  ) {}

  get remaining(): number {
    return this.quantity - this.filled;
  }
}
