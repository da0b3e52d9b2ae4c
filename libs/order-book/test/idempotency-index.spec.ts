import { describe, expect, it } from '@jest/globals';
import { BookOrder } from '../src/index.js';
import { IdempotencyIndex } from '../src/engine/idempotency-index.js';
import { Session, cancelByClientId, limit } from './harness.js';

const order = (id: number, owner: string, clientOrderId: string): BookOrder => {
  const o = new BookOrder(id, owner, 0, 1, 1);
  o.clientOrderId = clientOrderId;
  return o;
};

describe('IdempotencyIndex with one clientOrderId used by several users', () => {
  it('a window equal to the ring size keeps exactly the newest orders', () => {
    const index = new IdempotencyIndex(1024);
    for (let i = 1; i <= 3000; i++) {
      const o = order(i, 'u', `c${i}`);
      index.add(o);
      index.finished(o);
    }
    expect([...index.finishedOrders()].map((o) => o.id)).toEqual(Array.from({ length: 1024 }, (_, k) => 3000 - 1023 + k));
    expect(index.get('u', 'c1976')).toBeUndefined();
    expect(index.get('u', 'c1977')?.id).toBe(1977);
  });

  it('keeps every field of a finished order, across ring growth and wrap-around', () => {
    const index = new IdempotencyIndex(1500); // records are kept in chunks of 4,096
    const made: BookOrder[] = [];
    for (let i = 1; i <= 5000; i++) {
      const o = new BookOrder(i, `u${i % 7}`, (i % 2) as 0 | 1, 100 + i, 10 + i, i % 5 === 0, (i % 3) as 0 | 1 | 2, i % 4 === 0, (i % 4) as 0 | 1 | 2 | 3);
      o.clientOrderId = `c${i % 2000}`;
      o.filled = i % 10;
      o.placeSeq = i * 3;
      o.placeTs = 1_700_000_000_000 + i;
      o.placeFilled = i % 9;
      o.placeStatus = (i % 5) as 0 | 1 | 2 | 3 | 4;
      o.placeReason = (i % 6) as 0 | 1 | 2 | 3 | 4 | 5;
      o.placeTradeId = i * 2;
      o.placeFillPrice = 90 + i;
      o.placeFillQty = i % 11;
      index.add(o);
      index.finished(o);
      made.push(o);
    }
    expect(index.finishedCount).toBe(1500);
    expect([...index.finishedOrders()]).toEqual(made.slice(-1500));
    expect(index.get('u2', 'c1000')).toEqual(made[5000 - 1]);
    // c1000 of u2 is order 5000; order 3000 (u4, c1000) was evicted.
    expect(index.get('u4', 'c1000')).toBeUndefined();
  });

  it('keeps each user apart and evicts only the evicted order', () => {
    const index = new IdempotencyIndex(2);
    const a = order(1, 'alice', '1');
    const b = order(2, 'bob', '1');
    const c = order(3, 'carol', '1');
    for (const o of [a, b, c]) index.add(o);
    expect(index.get('alice', '1')).toBe(a);
    expect(index.get('bob', '1')).toBe(b);
    expect(index.get('carol', '1')).toBe(c);
    expect(index.get('dave', '1')).toBeUndefined();
    expect(index.get('alice', '2')).toBeUndefined();

    index.finished(b);
    index.finished(a);
    index.finished(c); // window 2: b is evicted
    // Finished orders come back as detached copies of their record.
    expect(index.get('bob', '1')).toBeUndefined();
    expect(index.get('alice', '1')).toEqual(a);
    expect(index.get('carol', '1')).toEqual(c);
    expect(index.getLive('alice', '1')).toBeUndefined();

    // A key evicted from the window can be used again, by its user only.
    const b2 = order(4, 'bob', '1');
    index.add(b2);
    expect(index.get('bob', '1')).toBe(b2);
    index.finished(b2); // evicts a
    index.finished(order(5, 'x', 'y')); // evicts c
    expect(index.get('alice', '1')).toBeUndefined();
    expect(index.get('carol', '1')).toBeUndefined();
    expect(index.get('bob', '1')).toEqual(b2);
    expect([...index.finishedOrders()].map((o) => o.id)).toEqual([4, 5]);
  });

  it('a single user re-adding its key replaces the order, another user does not', () => {
    const index = new IdempotencyIndex(0);
    const a = order(1, 'alice', 'k');
    index.add(a);
    const b = order(2, 'bob', 'k');
    index.add(b);
    expect(index.get('alice', 'k')).toBe(a);
    index.finished(a); // window 0: forgotten at once
    expect(index.get('alice', 'k')).toBeUndefined();
    expect(index.get('bob', 'k')).toBe(b);
    index.finished(b);
    expect(index.get('bob', 'k')).toBeUndefined();
  });

  it('through the engine: two users with the same clientOrderId retry and cancel independently', () => {
    const s = new Session();
    const [a, b] = s.ok(limit('alice', '1', 'buy', '99', '1'), limit('bob', '1', 'buy', '98', '2'));
    expect(s.run(limit('alice', '1', 'buy', '99', '1')).result.replyJson).toBe(a.result.replyJson);
    expect(s.run(limit('bob', '1', 'buy', '98', '2')).result.replyJson).toBe(b.result.replyJson);
    expect(s.run(limit('bob', '1', 'buy', '99', '1')).reply.error.code).toBe('DUPLICATE_CLIENT_ORDER_ID');
    expect(s.run(cancelByClientId('bob', '1')).reply.order).toMatchObject({ userId: 'bob', status: 'CANCELED', price: '98.00' });
    expect(s.run(cancelByClientId('alice', '1')).reply.order).toMatchObject({ userId: 'alice', status: 'CANCELED', price: '99.00' });
    expect(s.run(cancelByClientId('alice', '1')).reply.error.code).toBe('ORDER_NOT_FOUND');
  });
});
