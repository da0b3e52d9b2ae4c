import type { PriceLevel } from '@trading/contracts';
import type { BookMessage } from './book-messages.js';

/**
 * Compares decimal strings written with the same number of decimals (contract section 1) without
 * floating point: a longer string is a larger number, equal lengths compare as text.
 */
function compareDecimal(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

function isZero(quantity: string): boolean {
  return /^0+(\.0+)?$/.test(quantity);
}

/**
 * A replica's local copy of one symbol's book, updated once per delta (not per recipient), so a new
 * subscriber gets a consistent snapshot at once whose seq is the last delta forwarded.
 */
export class BookReplica {
  private bids = new Map<string, string>();
  private asks = new Map<string, string>();
  private seqNow = 0;
  private tsNow = 0;
  private encoded?: string;

  constructor(readonly symbol: string) {}

  get seq(): number {
    return this.seqNow;
  }

  reset(snapshot: BookMessage): void {
    this.bids = new Map(snapshot.bids.map(([p, q]) => [p, q]));
    this.asks = new Map(snapshot.asks.map(([p, q]) => [p, q]));
    for (const [p, q] of this.bids) if (isZero(q)) this.bids.delete(p);
    for (const [p, q] of this.asks) if (isZero(q)) this.asks.delete(p);
    this.seqNow = snapshot.seq;
    this.tsNow = snapshot.ts;
    this.encoded = undefined;
  }

  apply(delta: BookMessage): void {
    applyLevels(this.bids, delta.bids);
    applyLevels(this.asks, delta.asks);
    this.seqNow = delta.seq;
    this.tsNow = delta.ts;
    this.encoded = undefined;
  }

  /** The snapshot frame, encoded once per book state however many subscribers ask for it. */
  snapshotFrame(): string {
    this.encoded ??= JSON.stringify({
      type: 'OrderBookSnapshot',
      symbol: this.symbol,
      seq: this.seqNow,
      ts: this.tsNow,
      bids: sortedLevels(this.bids, true),
      asks: sortedLevels(this.asks, false),
    });
    return this.encoded;
  }

  levels(): { bids: PriceLevel[]; asks: PriceLevel[] } {
    return { bids: sortedLevels(this.bids, true), asks: sortedLevels(this.asks, false) };
  }
}

function applyLevels(side: Map<string, string>, levels: PriceLevel[]): void {
  for (const [price, quantity] of levels) {
    if (isZero(quantity)) side.delete(price);
    else side.set(price, quantity);
  }
}

function sortedLevels(side: Map<string, string>, descending: boolean): PriceLevel[] {
  const levels = [...side.entries()] as PriceLevel[];
  levels.sort((a, b) => (descending ? compareDecimal(b[0], a[0]) : compareDecimal(a[0], b[0])));
  return levels;
}
