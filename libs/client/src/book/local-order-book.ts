import type { OrderBookSnapshot, OrderBookUpdate, PriceLevel } from '@trading/contracts';
import { ProtocolError } from '../errors.js';
import { compareDecimal, isDecimalString, isZeroDecimal } from '../util/decimal-order.js';
import { TypedEmitter } from '../util/typed-emitter.js';

/**
 * An order book kept locally from one snapshot plus the deltas that follow it (contract section 3:
 * a delta with seq = snapshot.seq + 1 applies on top of the snapshot, and so on without gaps).
 *
 * Price levels are keyed by the price's decimal string exactly as the engine wrote it (the contract
 * fixes the number of decimals per symbol), so no float ever decides identity; sorting uses an
 * exact decimal comparison.
 *
 * A delta whose seq is not last + 1 puts the book in `resyncing`: it stops applying deltas (a wrong
 * book is worse than a stale one) until the next snapshot. The TradingClient then re-subscribes to
 * fetch that snapshot; used standalone, call `applySnapshot` yourself.
 */
export type BookStatus = 'awaiting-snapshot' | 'synced' | 'resyncing';

export type ApplyResult = 'applied' | 'duplicate' | 'gap' | 'not-synced';

export interface BookGap {
  symbol: string;
  expected: number;
  received: number;
}

export interface LocalOrderBookEvents {
  /** A snapshot replaced the whole book. */
  snapshot: LocalOrderBook;
  /** A delta was applied. */
  update: { book: LocalOrderBook; update: OrderBookUpdate };
  /** A delta did not follow the last applied seq; the book now waits for a fresh snapshot. */
  gap: BookGap;
}

type Side = 'bids' | 'asks';

export class LocalOrderBook extends TypedEmitter<LocalOrderBookEvents> {
  private readonly levels: Record<Side, Map<string, string>> = { bids: new Map(), asks: new Map() };
  /** Prices of each side, best first, kept sorted on every change (binary search), so reads cost O(depth). */
  private readonly prices: Record<Side, string[]> = { bids: [], asks: [] };
  private lastSeq = 0;
  private state: BookStatus = 'awaiting-snapshot';
  private updatedAt = 0;

  constructor(readonly symbol: string) {
    super();
  }

  /** Seq of the last snapshot or delta applied (0 before any). */
  get seq(): number {
    return this.lastSeq;
  }

  get status(): BookStatus {
    return this.state;
  }

  /** `ts` of the last applied snapshot or delta. */
  get ts(): number {
    return this.updatedAt;
  }

  /** Replaces the book; any later delta must continue from `snapshot.seq + 1`. */
  applySnapshot(snapshot: Pick<OrderBookSnapshot, 'seq' | 'bids' | 'asks'> & { ts?: number }): void {
    if (!Number.isSafeInteger(snapshot.seq) || snapshot.seq < 0) throw protocolError('snapshot seq is not a non-negative integer', snapshot);
    const bids = readLevels(snapshot.bids, 'bids', snapshot);
    const asks = readLevels(snapshot.asks, 'asks', snapshot);
    for (const [side, levels] of [['bids', bids], ['asks', asks]] as const) {
      const map = this.levels[side];
      map.clear();
      for (const [price, quantity] of levels) if (!isZeroDecimal(quantity)) map.set(price, quantity);
      this.prices[side] = [...map.keys()].sort(side === 'bids' ? (a, b) => compareDecimal(b, a) : compareDecimal);
    }
    this.lastSeq = snapshot.seq;
    this.updatedAt = snapshot.ts ?? 0;
    this.state = 'synced';
    this.emit('snapshot', this);
  }

  /**
   * Applies one delta. Duplicates (seq <= last) are ignored; a gap moves the book to `resyncing`
   * and emits `gap`; deltas before the first snapshot or while resyncing are ignored.
   */
  applyUpdate(update: Pick<OrderBookUpdate, 'seq' | 'bids' | 'asks'> & Partial<OrderBookUpdate>): ApplyResult {
    if (!Number.isSafeInteger(update.seq)) throw protocolError('update seq is not an integer', update);
    if (this.state !== 'synced') return 'not-synced';
    if (update.seq <= this.lastSeq) return 'duplicate';
    if (update.seq !== this.lastSeq + 1) {
      const gap: BookGap = { symbol: this.symbol, expected: this.lastSeq + 1, received: update.seq };
      this.state = 'resyncing';
      this.emit('gap', gap);
      return 'gap';
    }
    // Validate the whole delta before touching the book, so a bad frame cannot half-apply.
    const bids = readLevels(update.bids, 'bids', update);
    const asks = readLevels(update.asks, 'asks', update);
    this.applyLevels('bids', bids);
    this.applyLevels('asks', asks);
    this.lastSeq = update.seq;
    if (typeof update.ts === 'number') this.updatedAt = update.ts;
    this.emit('update', { book: this, update: update as OrderBookUpdate });
    return 'applied';
  }

  /** Stops applying deltas until the next snapshot (used when the subscription is being renewed). */
  markResyncing(): void {
    if (this.state === 'synced') this.state = 'resyncing';
  }

  /** Highest bid, or undefined when there is none. */
  bestBid(): PriceLevel | undefined {
    return this.top('bids', 1)[0];
  }

  /** Lowest ask, or undefined when there is none. */
  bestAsk(): PriceLevel | undefined {
    return this.top('asks', 1)[0];
  }

  /** Bids best (highest) first, at most `depth` levels. */
  bids(depth?: number): PriceLevel[] {
    return this.top('bids', depth);
  }

  /** Asks best (lowest) first, at most `depth` levels. */
  asks(depth?: number): PriceLevel[] {
    return this.top('asks', depth);
  }

  /** Quantity resting at exactly this price string, or undefined. */
  quantityAt(side: 'buy' | 'sell', price: string): string | undefined {
    return this.levels[side === 'buy' ? 'bids' : 'asks'].get(price);
  }

  /** The book in snapshot shape, comparable with the engine's `trading.snapshot.{symbol}` reply. */
  toSnapshot(depth?: number): { symbol: string; seq: number; bids: PriceLevel[]; asks: PriceLevel[] } {
    return { symbol: this.symbol, seq: this.lastSeq, bids: this.bids(depth), asks: this.asks(depth) };
  }

  private applyLevels(side: Side, levels: PriceLevel[]): void {
    const map = this.levels[side];
    const prices = this.prices[side];
    for (const [price, quantity] of levels) {
      if (isZeroDecimal(quantity)) {
        if (map.delete(price)) {
          const at = this.position(side, price);
          // Equal values written differently ("1.5" vs "1.50") never come from one engine, but must not remove the wrong key.
          prices.splice(prices[at] === price ? at : prices.indexOf(price), 1);
        }
      } else {
        if (!map.has(price)) prices.splice(this.position(side, price), 0, price);
        map.set(price, quantity);
      }
    }
  }

  /** Index of `price` in the side's best-first order (where it is, or where it belongs). */
  private position(side: Side, price: string): number {
    const prices = this.prices[side];
    const direction = side === 'bids' ? -1 : 1;
    let low = 0;
    let high = prices.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (direction * compareDecimal(prices[mid], price) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private top(side: Side, depth?: number): PriceLevel[] {
    const prices = this.prices[side];
    const count = depth === undefined ? prices.length : Math.min(prices.length, Math.max(0, depth));
    const map = this.levels[side];
    const result: PriceLevel[] = new Array(count);
    for (let i = 0; i < count; i++) result[i] = [prices[i], map.get(prices[i])!];
    return result;
  }
}

function readLevels(value: unknown, side: Side, frame: unknown): PriceLevel[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw protocolError(`${side} is not an array`, frame);
  for (const level of value) {
    if (!Array.isArray(level) || level.length !== 2 || !isDecimalString(level[0]) || !isDecimalString(level[1])) {
      throw protocolError(`${side} holds a level that is not [price, quantity] decimal strings`, frame);
    }
  }
  return value as PriceLevel[];
}

function protocolError(message: string, frame: unknown): ProtocolError {
  let text: string;
  try {
    text = JSON.stringify(frame).slice(0, 500);
  } catch {
    text = '[unserialisable]';
  }
  return new ProtocolError(`book frame: ${message}`, text);
}
