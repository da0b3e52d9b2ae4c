import { BookOrder } from './book-order.js';
import { BookSide } from './book-side.js';
import {
  BUY,
  MARKET_BUY_LIMIT,
  MARKET_SELL_LIMIT,
  PLACE_INSUFFICIENT_LIQUIDITY,
  PLACE_OK,
  PLACE_POST_ONLY_WOULD_TAKE,
  STP_EXPIRE_BOTH,
  STP_EXPIRE_MAKER,
  STP_EXPIRE_TAKER,
  STP_NONE,
  TIF_FOK,
  TIF_GTC,
  type PlaceCode,
  type SideCode,
} from './codes.js';
import { MatchLog, STEP_FILL, STEP_MAKER_EXPIRED } from './match-log.js';
import type { PriceLevel } from './price-level.js';

/**
 * The integer matching core: price-time priority over ticks and lots, no floating point, no
 * strings, no events. One instance per symbol; single-threaded and deterministic.
 *
 * `place` checks everything that can refuse an order (post-only crossing, FOK that cannot fill
 * completely, market order facing an empty side) BEFORE it changes anything, then matches and
 * rests the remainder of a GTC limit order. What happened is left in `log` until the next command.
 */
export class OrderBook {
  readonly bids = new BookSide(BUY);
  readonly asks = new BookSide(1);
  /** Resting orders by id, for O(1) cancel. */
  readonly orders = new Map<number, BookOrder>();
  readonly log = new MatchLog();
  private epoch = 0;

  side(side: SideCode): BookSide {
    return side === BUY ? this.bids : this.asks;
  }

  get restingOrders(): number {
    return this.orders.size;
  }

  place(taker: BookOrder): PlaceCode {
    const log = this.log;
    log.reset();
    const epoch = ++this.epoch;
    const opposite = taker.side === BUY ? this.asks : this.bids;
    const limit = taker.isMarket ? (taker.side === BUY ? MARKET_BUY_LIMIT : MARKET_SELL_LIMIT) : taker.price;

    // --- Refusals first: nothing may change before these pass.
    const best = opposite.best();
    if (taker.isMarket && best === undefined) return PLACE_INSUFFICIENT_LIQUIDITY;
    if (taker.postOnly && best !== undefined && crosses(taker.side, limit, best.price)) return PLACE_POST_ONLY_WOULD_TAKE;
    if (taker.tif === TIF_FOK && !this.canFillCompletely(taker, opposite, limit)) return PLACE_INSUFFICIENT_LIQUIDITY;

    // --- Matching.
    let remaining = taker.quantity - taker.filled;
    const stp = taker.stp;
    const owner = taker.owner;
    const orders = this.orders;
    outer: while (remaining > 0) {
      const level = opposite.best();
      if (level === undefined || !crosses(taker.side, limit, level.price)) break;
      let maker = level.head;
      while (maker !== null && remaining > 0) {
        const next = maker.next;
        if (stp !== STP_NONE && maker.owner === owner) {
          if (stp === STP_EXPIRE_TAKER) {
            log.takerExpiredBySelfTrade = true;
            break outer;
          }
          // expire_maker and expire_both: the resting order leaves the book.
          const rest = maker.quantity - maker.filled;
          level.total -= rest;
          level.unlink(maker);
          orders.delete(maker.id);
          log.push(STEP_MAKER_EXPIRED, maker, rest, level.price);
          log.touch(level, epoch);
          if (stp === STP_EXPIRE_BOTH) {
            log.takerExpiredBySelfTrade = true;
            if (level.count === 0) opposite.remove(level);
            break outer;
          }
          maker = next;
          continue;
        }
        const makerRest = maker.quantity - maker.filled;
        const fill = makerRest < remaining ? makerRest : remaining;
        maker.filled += fill;
        level.total -= fill;
        remaining -= fill;
        log.push(STEP_FILL, maker, fill, level.price);
        log.touch(level, epoch);
        if (fill === makerRest) {
          level.unlink(maker);
          orders.delete(maker.id);
        }
        maker = next;
      }
      if (level.count === 0) opposite.remove(level);
    }
    taker.filled = taker.quantity - remaining;

    // --- A GTC limit order rests with what is left, unless self-trade prevention expired it.
    if (remaining > 0 && taker.tif === TIF_GTC && !taker.isMarket && !log.takerExpiredBySelfTrade) {
      const level = this.side(taker.side).levelFor(taker.price);
      level.append(taker);
      orders.set(taker.id, taker);
      log.touch(level, epoch);
    }
    return PLACE_OK;
  }

  /** Removes a resting order; returns it, or undefined when it is not on the book. */
  cancel(id: number): BookOrder | undefined {
    const order = this.orders.get(id);
    if (order === undefined) return undefined;
    const log = this.log;
    log.reset();
    const level = order.level as PriceLevel;
    level.total -= order.quantity - order.filled;
    level.unlink(order);
    this.orders.delete(id);
    log.touch(level, ++this.epoch);
    if (level.count === 0) this.side(order.side).remove(level);
    return order;
  }

  /**
   * Whether the taker would fill completely, walking the book exactly as matching would
   * (including self-trade prevention) but changing nothing.
   */
  private canFillCompletely(taker: BookOrder, opposite: BookSide, limit: number): boolean {
    let needed = taker.quantity - taker.filled;
    const stp = taker.stp;
    const levels = opposite.levels;
    for (let i = levels.length - 1; i >= 0; i--) {
      const level = levels[i];
      if (!crosses(taker.side, limit, level.price)) return false;
      if (stp === STP_NONE) {
        if (level.total >= needed) return true;
        needed -= level.total;
        continue;
      }
      for (let maker = level.head; maker !== null; maker = maker.next) {
        if (maker.owner === taker.owner) {
          if (stp === STP_EXPIRE_MAKER) continue;
          return false;
        }
        const rest = maker.quantity - maker.filled;
        if (rest >= needed) return true;
        needed -= rest;
      }
    }
    return false;
  }
}

function crosses(takerSide: SideCode, limit: number, makerPrice: number): boolean {
  return takerSide === BUY ? makerPrice <= limit : makerPrice >= limit;
}
