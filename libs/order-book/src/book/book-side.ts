import { PriceLevel } from './price-level.js';
import type { SideCode } from './codes.js';

/**
 * One side of the book: price levels in an array sorted by key ascending, so the best level is the
 * last element (taking it out is a pop, not a shift), plus a price -> level map for O(1) lookup.
 * Insertion is a binary search and a splice; books keep a few hundred to a few thousand levels
 * near the top, where this beats trees on constant factors.
 */
export class BookSide {
  readonly levels: PriceLevel[] = [];
  readonly byPrice = new Map<number, PriceLevel>();

  constructor(readonly side: SideCode) {}

  best(): PriceLevel | undefined {
    const levels = this.levels;
    return levels.length === 0 ? undefined : levels[levels.length - 1];
  }

  get size(): number {
    return this.levels.length;
  }

  level(price: number): PriceLevel | undefined {
    return this.byPrice.get(price);
  }

  /** The level at `price`, created (and inserted in order) when missing. */
  levelFor(price: number): PriceLevel {
    let level = this.byPrice.get(price);
    if (level !== undefined) return level;
    level = new PriceLevel(this.side, price);
    this.byPrice.set(price, level);
    const levels = this.levels;
    const key = level.key;
    // Most new levels land at or near the top of the book: check the end first.
    if (levels.length === 0 || levels[levels.length - 1].key < key) {
      levels.push(level);
    } else {
      levels.splice(this.lowerBound(key), 0, level);
    }
    return level;
  }

  /** Removes an empty level. */
  remove(level: PriceLevel): void {
    this.byPrice.delete(level.price);
    const levels = this.levels;
    const last = levels.length - 1;
    if (levels[last] === level) {
      levels.pop();
      return;
    }
    const index = this.lowerBound(level.key);
    if (levels[index] === level) levels.splice(index, 1);
  }

  /** Loads levels into an empty side (restoring a state), given best first. */
  load(levelsBestFirst: readonly PriceLevel[]): void {
    for (let i = levelsBestFirst.length - 1; i >= 0; i--) {
      const level = levelsBestFirst[i];
      this.byPrice.set(level.price, level);
      this.levels.push(level);
    }
  }

  /** Index of the first level whose key is >= key. */
  private lowerBound(key: number): number {
    const levels = this.levels;
    let lo = 0;
    let hi = levels.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (levels[mid].key < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
