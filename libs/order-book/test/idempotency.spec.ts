import { describe, expect, it } from '@jest/globals';
import { BTC, Session, cancelByClientId, limit, market } from './harness.js';

describe('idempotent place', () => {
  it('an identical retry returns the original reply bytes, with no events and no state change', () => {
    const s = new Session();
    s.ok(limit('m', 'm', 'sell', '100', '1'));
    const first = s.raw(limit('t', 't1', 'buy', '100', '2'));
    const state = JSON.stringify(s.engine.exportState());
    const retry = s.raw(limit('t', 't1', 'buy', '100', '2'));
    expect(retry.replyJson).toBe(first.replyJson);
    expect(retry.reply).toEqual(first.reply);
    expect(retry.events).toHaveLength(0);
    expect(retry.changedState).toBe(false);
    expect(JSON.stringify(s.engine.exportState())).toBe(state);
  });

  it.each([
    ['after the order is filled', (s: Session) => s.ok(limit('o', 'x', 'sell', '99', '5'))],
    ['after it is canceled', (s: Session) => s.ok(cancelByClientId('t', 't1'))],
    ['after unrelated activity', (s: Session) => s.ok(limit('o', 'x', 'buy', '50', '5'), limit('o', 'y', 'sell', '150', '5'))],
  ])('the retry still returns the original reply %s', (_name, later) => {
    const s = new Session();
    const first = s.raw(limit('t', 't1', 'buy', '100', '2'));
    later(s);
    expect(s.raw(limit('t', 't1', 'buy', '100', '2')).replyJson).toBe(first.replyJson);
  });

  it('replies rebuilt for IOC, market, STP-expired and partially filled orders are byte-identical', () => {
    const s = new Session();
    s.ok(limit('m', 'm1', 'sell', '100', '1'), limit('m', 'm2', 'sell', '101', '1'), limit('me', 'own', 'sell', '102', '5'));
    const commands = [
      limit('t', 'ioc', 'buy', '100', '2', { timeInForce: 'IOC' }),
      market('t', 'mkt', 'buy', '0.5'),
      limit('me', 'stp', 'buy', '102', '1', { stp: 'expire_taker' }),
      limit('t', 'gtc', 'buy', '101', '3'),
    ];
    const firsts = commands.map((c) => s.raw(c).replyJson);
    expect(commands.map((c) => s.raw(c).replyJson)).toEqual(firsts);
  });

  it('defaults are applied before comparing: omitted and explicit defaults are the same command', () => {
    const s = new Session();
    const first = s.raw(limit('t', 'c', 'buy', '100', '1'));
    const explicit = s.raw(limit('t', 'c', 'buy', '100.00', '1.0000', { timeInForce: 'GTC', postOnly: false, stp: 'expire_taker' }));
    expect(explicit.replyJson).toBe(first.replyJson);
    expect(explicit.changedState).toBe(false);
  });

  it.each([
    ['side', limit('t', 'c', 'sell', '100', '1')],
    ['price', limit('t', 'c', 'buy', '100.01', '1')],
    ['quantity', limit('t', 'c', 'buy', '100', '2')],
    ['timeInForce', limit('t', 'c', 'buy', '100', '1', { timeInForce: 'IOC' })],
    ['postOnly', limit('t', 'c', 'buy', '100', '1', { postOnly: true })],
    ['stp', limit('t', 'c', 'buy', '100', '1', { stp: 'none' })],
    ['orderType', market('t', 'c', 'buy', '1')],
  ])('same clientOrderId with a different %s is DUPLICATE_CLIENT_ORDER_ID', (_field, command) => {
    const s = new Session();
    s.ok(limit('m', 'm', 'sell', '200', '5'));
    s.ok(limit('t', 'c', 'buy', '100', '1'));
    const state = JSON.stringify(s.engine.exportState());
    const r = s.run(command);
    expect(r.reply.error.code).toBe('DUPLICATE_CLIENT_ORDER_ID');
    expect(r.result.changedState).toBe(false);
    expect(JSON.stringify(s.engine.exportState())).toBe(state);
  });

  it('the same clientOrderId of another user is a different order', () => {
    const s = new Session();
    s.ok(limit('a', 'same', 'buy', '100', '1'));
    const other = s.run(limit('b', 'same', 'buy', '100', '1'));
    expect(other.reply.order.orderId).toBe('BTC-USD-2');
  });

  it('keeps finished orders within the window only (FIFO), live orders always', () => {
    const s = new Session(BTC, undefined, { idempotencyWindow: 2 });
    s.ok(limit('t', 'live', 'buy', '10', '1'));
    const finished = ['f1', 'f2', 'f3'].map((id) => s.raw(limit('t', id, 'buy', '100', '1', { timeInForce: 'IOC' })));
    // f1 was evicted: the same key is now a new order.
    expect(s.run(limit('t', 'f1', 'buy', '100', '1', { timeInForce: 'IOC' })).result.changedState).toBe(true);
    // f3 is still in the window (f2 was pushed out by the new f1).
    expect(s.raw(limit('t', 'f3', 'buy', '100', '1', { timeInForce: 'IOC' })).replyJson).toBe(finished[2].replyJson);
    expect(s.raw(limit('t', 'f2', 'buy', '100', '1', { timeInForce: 'IOC' })).changedState).toBe(true);
    // The live order is never evicted.
    expect(s.run(limit('t', 'live', 'buy', '11', '1')).reply.error.code).toBe('DUPLICATE_CLIENT_ORDER_ID');
    expect((s.engine.exportState() as unknown as { done: { clientOrderIds: string[] } }).done.clientOrderIds).toEqual(['f1', 'f2']);
  });

  it('a window of 0 keeps no finished orders', () => {
    const s = new Session(BTC, undefined, { idempotencyWindow: 0 });
    s.ok(limit('t', 'x', 'buy', '100', '1', { timeInForce: 'IOC' }));
    expect(s.run(limit('t', 'x', 'buy', '100', '1', { timeInForce: 'IOC' })).result.changedState).toBe(true);
  });
});

describe('IdempotencyIndex', () => {
  it('stays bounded and keeps FIFO order across queue compactions', async () => {
    const { IdempotencyIndex } = await import('../src/engine/idempotency-index.js');
    const { BookOrder } = await import('../src/index.js');
    const index = new IdempotencyIndex(3);
    const total = 70_000; // beyond the 65,536 entries after which the queue compacts
    for (let i = 1; i <= total; i++) {
      const order = new BookOrder(i, 'u', 0, 1, 1);
      order.clientOrderId = `c${i}`;
      index.add(order);
      index.finished(order);
    }
    expect(index.finishedCount).toBe(3);
    expect([...index.finishedOrders()].map((o) => o.id)).toEqual([total - 2, total - 1, total]);
    expect(index.get('u', `c${total - 3}`)).toBeUndefined();
    expect(index.get('u', `c${total}`)?.id).toBe(total);
    expect(index.getLive('u', `c${total}`)).toBeUndefined();
  });
});
