import { describe, expect, it } from '@jest/globals';
import {
  BUY,
  BookOrder,
  OrderBook,
  PLACE_INSUFFICIENT_LIQUIDITY,
  PLACE_OK,
  PLACE_POST_ONLY_WOULD_TAKE,
  SELL,
  STEP_FILL,
  STEP_MAKER_EXPIRED,
  STP_EXPIRE_MAKER,
  STP_NONE,
  TIF_FOK,
  TIF_GTC,
  TIF_IOC,
} from '../src/index.js';

/** The integer core alone: ticks, lots, numeric ids; what the benchmark drives. */
let nextId = 1;
const order = (owner: string, side: 0 | 1, price: number, quantity: number, tif: 0 | 1 | 2 = TIF_GTC, stp: 0 | 1 | 2 | 3 = STP_NONE, postOnly = false, isMarket = false) =>
  new BookOrder(nextId++, owner, side, price, quantity, isMarket, tif, postOnly, stp);

const levels = (book: OrderBook, side: 0 | 1) => [...book.side(side).levels].reverse().map((l) => [l.price, l.total, l.count]);
const fills = (book: OrderBook) =>
  Array.from({ length: book.log.length }, (_, i) => [book.log.kinds[i] === STEP_FILL ? 'fill' : 'expired', book.log.makers[i].id, book.log.prices[i], book.log.quantities[i]]);

describe('OrderBook (integer core)', () => {
  it('keeps levels sorted best first with totals and counts', () => {
    const book = new OrderBook();
    for (const [p, q] of [
      [100, 5],
      [102, 1],
      [101, 2],
      [100, 3],
      [99, 4],
    ])
      expect(book.place(order('a', BUY, p, q))).toBe(PLACE_OK);
    expect(levels(book, BUY)).toEqual([
      [102, 1, 1],
      [101, 2, 1],
      [100, 8, 2],
      [99, 4, 1],
    ]);
    expect(book.restingOrders).toBe(5);
  });

  it('matches across levels at maker prices, in time priority, and removes empty levels', () => {
    const book = new OrderBook();
    const a = order('a', SELL, 101, 2);
    const b = order('b', SELL, 100, 1);
    const c = order('c', SELL, 101, 2);
    [a, b, c].forEach((o) => book.place(o));
    const taker = order('t', BUY, 105, 4);
    expect(book.place(taker)).toBe(PLACE_OK);
    expect(fills(book)).toEqual([
      ['fill', b.id, 100, 1],
      ['fill', a.id, 101, 2],
      ['fill', c.id, 101, 1],
    ]);
    expect(taker.filled).toBe(4);
    expect(taker.level).toBeNull();
    expect(levels(book, SELL)).toEqual([[101, 1, 1]]);
    expect(book.log.touched.slice(0, book.log.touchedLength).map((l) => [l.price, l.total])).toEqual([
      [100, 0],
      [101, 1],
    ]);
  });

  it('cancels in O(1) from the middle of a level and drops the empty level', () => {
    const book = new OrderBook();
    const [x, y, z] = [order('a', BUY, 50, 1), order('a', BUY, 50, 2), order('a', BUY, 49, 3)];
    [x, y, z].forEach((o) => book.place(o));
    expect(book.cancel(y.id)).toBe(y);
    expect(levels(book, BUY)).toEqual([
      [50, 1, 1],
      [49, 3, 1],
    ]);
    expect(book.cancel(y.id)).toBeUndefined();
    book.cancel(z.id);
    expect(levels(book, BUY)).toEqual([[50, 1, 1]]);
    book.cancel(x.id);
    expect(book.side(BUY).size).toBe(0);
    expect(book.restingOrders).toBe(0);
  });

  it('refuses post-only, FOK and market orders before changing anything', () => {
    const book = new OrderBook();
    book.place(order('a', SELL, 100, 2));
    const snapshot = JSON.stringify(levels(book, SELL));
    expect(book.place(order('t', BUY, 100, 1, TIF_GTC, STP_NONE, true))).toBe(PLACE_POST_ONLY_WOULD_TAKE);
    expect(book.place(order('t', BUY, 100, 3, TIF_FOK))).toBe(PLACE_INSUFFICIENT_LIQUIDITY);
    expect(book.place(order('t', SELL, 0, 1, TIF_IOC, STP_NONE, false, true))).toBe(PLACE_INSUFFICIENT_LIQUIDITY);
    expect(JSON.stringify(levels(book, SELL))).toBe(snapshot);
    expect(book.restingOrders).toBe(1);
  });

  it('expire_maker removes own makers and keeps matching', () => {
    const book = new OrderBook();
    const own = order('me', SELL, 100, 1);
    const other = order('x', SELL, 100, 1);
    book.place(own);
    book.place(other);
    const taker = order('me', BUY, 100, 1, TIF_IOC, STP_EXPIRE_MAKER);
    book.place(taker);
    expect(fills(book)).toEqual([
      ['expired', own.id, 100, 1],
      ['fill', other.id, 100, 1],
    ]);
    expect(book.log.kinds[0]).toBe(STEP_MAKER_EXPIRED);
    expect(book.restingOrders).toBe(0);
  });
});
