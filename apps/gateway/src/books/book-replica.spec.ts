import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { PriceLevel } from '@trading/contracts';
import { BookReplica } from './book-replica.js';

const price = fc.integer({ min: 1, max: 200_000 }).map((ticks) => (ticks / 100).toFixed(2));
const qty = fc.integer({ min: 0, max: 50 }).map((lots) => (lots / 10_000).toFixed(4));
const levels = fc.array(fc.tuple(price, qty), { maxLength: 8 }) as fc.Arbitrary<PriceLevel[]>;

describe('BookReplica', () => {
  it('sorts bids best (highest) first and asks best (lowest) first without floating point', () => {
    const book = new BookReplica('BTC-USD');
    book.reset({ seq: 5, ts: 1, bids: [['9.99', '1.0000'], ['100.00', '1.0000'], ['10.00', '2.0000']], asks: [['1000.00', '1.0000'], ['99.00', '1.0000']] });
    expect(book.levels()).toEqual({
      bids: [['100.00', '1.0000'], ['10.00', '2.0000'], ['9.99', '1.0000']],
      asks: [['99.00', '1.0000'], ['1000.00', '1.0000']],
    });
    expect(JSON.parse(book.snapshotFrame())).toMatchObject({ type: 'OrderBookSnapshot', symbol: 'BTC-USD', seq: 5, ts: 1 });
  });

  it('equals a naive model after any sequence of deltas (zero quantity removes a level)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(levels, levels), { maxLength: 30 }), (deltas) => {
        const book = new BookReplica('X-Y');
        const model = { bids: new Map<string, string>(), asks: new Map<string, string>() };
        deltas.forEach(([bids, asks], i) => {
          book.apply({ seq: i + 1, ts: i, bids, asks });
          for (const [p, q] of bids) (Number(q) === 0 ? model.bids.delete(p) : model.bids.set(p, q));
          for (const [p, q] of asks) (Number(q) === 0 ? model.asks.delete(p) : model.asks.set(p, q));
        });
        const expected = {
          bids: [...model.bids.entries()].sort((a, b) => Number(b[0]) - Number(a[0])),
          asks: [...model.asks.entries()].sort((a, b) => Number(a[0]) - Number(b[0])),
        };
        expect(book.levels()).toEqual(expected);
        expect(book.seq).toBe(deltas.length);
      }),
    );
  });

  it('re-encodes the snapshot only after the book changed', () => {
    const book = new BookReplica('X-Y');
    const first = book.snapshotFrame();
    expect(book.snapshotFrame()).toBe(first);
    book.apply({ seq: 1, ts: 2, bids: [['1.00', '1.0000']], asks: [] });
    expect(book.snapshotFrame()).not.toBe(first);
  });
});
