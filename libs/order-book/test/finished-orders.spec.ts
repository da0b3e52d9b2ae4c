import { describe, expect, it } from '@jest/globals';
import { BookOrder } from '../src/index.js';
import { FinishedOrders } from '../src/engine/finished-orders.js';

/**
 * FinishedOrders is a queue of fixed-size chunks (4,096 records each): records must read back
 * exactly, by sequence number, across chunk boundaries, after the queue emptied mid-chunk and
 * refilled, and with the oldest chunks dropped as records are shifted out.
 */
function made(i: number): BookOrder {
  const o = new BookOrder(i, `u${i % 13}`, (i % 2) as 0 | 1, 100 + i, 10 + i, i % 5 === 0, (i % 3) as 0 | 1 | 2, i % 4 === 0, (i % 4) as 0 | 1 | 2 | 3);
  o.filled = i % 10;
  o.clientOrderId = `c${i}`;
  o.placeSeq = i * 3;
  o.placeTs = 1_700_000_000_000 + i;
  o.placeFilled = i % 9;
  o.placeStatus = (i % 5) as never;
  o.placeReason = (i % 6) as never;
  o.placeTradeId = i * 7;
  o.placeFillPrice = 100 + (i % 50);
  o.placeFillQty = i % 11;
  return o;
}

const fields = (o: BookOrder) => [
  o.id,
  o.owner,
  o.side,
  o.price,
  o.quantity,
  o.isMarket,
  o.tif,
  o.postOnly,
  o.stp,
  o.filled,
  o.clientOrderId,
  o.placeSeq,
  o.placeTs,
  o.placeFilled,
  o.placeStatus,
  o.placeReason,
  o.placeTradeId,
  o.placeFillPrice,
  o.placeFillQty,
];

describe('FinishedOrders', () => {
  it('a random mix of pushes and shifts reads back like a plain queue, across many chunks', () => {
    const queue = new FinishedOrders();
    const reference: BookOrder[] = [];
    let next = 1;
    let x = 12345;
    const random = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let step = 0; step < 60_000; step++) {
      // Phases: mostly pushing, mostly shifting (down to empty), balanced.
      const phase = Math.floor(step / 10_000) % 3;
      const pushP = phase === 0 ? 0.8 : phase === 1 ? 0.2 : 0.5;
      if (reference.length === 0 || random() < pushP) {
        const o = made(next++);
        expect(queue.push(o)).toBe(queue.tail - 1);
        reference.push(o);
      } else {
        expect(queue.shift()).toBe(queue.head - 1);
        reference.shift();
      }
      expect(queue.size).toBe(reference.length);
      if (step % 997 === 0 || queue.size <= 2) {
        for (let seq = queue.head, k = 0; seq < queue.tail; seq++, k++) {
          if (k % 61 !== 0 && seq !== queue.tail - 1) continue;
          expect(fields(queue.order(seq))).toEqual(fields(reference[k]));
          expect(queue.ownerOf(seq)).toBe(reference[k].owner);
          expect(queue.clientOrderIdOf(seq)).toBe(reference[k].clientOrderId);
        }
      }
    }
    expect(next).toBeGreaterThan(20_000);
  });

  it('empties in the middle of a chunk and fills again', () => {
    const queue = new FinishedOrders();
    for (let i = 1; i <= 5000; i++) queue.push(made(i));
    while (queue.size > 0) queue.shift();
    expect(queue.head).toBe(5000);
    for (let i = 5001; i <= 9000; i++) queue.push(made(i));
    expect(queue.size).toBe(4000);
    for (const seq of [5000, 6000, 8191, 8192, 8999]) expect(fields(queue.order(seq))).toEqual(fields(made(seq + 1)));
  });
});
