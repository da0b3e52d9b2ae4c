import { describe, expect, it } from '@jest/globals';
import { createSymbolSpec } from '@trading/contracts';
import { createSymbolEngine } from '@trading/order-book';
import { EngineMetrics } from '../admin/engine-metrics.js';
import { decodeBatch } from '../journal/journal-format.js';
import { JournalFencedError } from '../journal/journal-errors.js';
import { SymbolSequencer } from './symbol-sequencer.js';

/**
 * The sequencer with the real matching core and an in-memory journal whose acks the test releases
 * by hand, to pin down ordering: nothing leaves before its batch is acknowledged, one batch in
 * flight, refusals in arrival order, nothing released from a failed batch.
 */
function harness(batchMax = 100) {
  const published: { subject: string; payload: string }[] = [];
  const appends: { payload: string; expected: number; resolve: (seq: number) => void; reject: (err: unknown) => void }[] = [];
  const failures: unknown[] = [];
  let seq = 0;
  const sequencer = new SymbolSequencer(
    'BTC-USD',
    createSymbolEngine(createSymbolSpec('BTC-USD')),
    0,
    {
      publish: (subject, payload) => published.push({ subject, payload }),
      append: (_symbol, payload, expected) => new Promise((resolve, reject) => appends.push({ payload, expected, resolve, reject })),
      onFailure: (_symbol, err) => failures.push(err),
      onReleased: () => undefined,
    },
    new EngineMetrics(),
    { batchMax, batchMaxBytes: 900 * 1024 },
  );
  const ack = async () => {
    const next = appends.shift()!;
    next.resolve(++seq);
    await new Promise((r) => setImmediate(r));
  };
  return { sequencer, published, appends, failures, ack };
}

const tick = () => new Promise((r) => setImmediate(r));
const place = (n: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'place', userId: 'u1', clientOrderId: `c${n}`, side: 'buy', orderType: 'limit', price: `${100 + n}.00`, quantity: '1.0000', ...extra });

describe('SymbolSequencer', () => {
  it('releases nothing before the ack; then events then reply per command, in arrival order, refusals included', async () => {
    const h = harness();
    h.sequencer.handleCommand(place(1), 'r1');
    h.sequencer.handleCommand('not json', 'r2');
    h.sequencer.handleCommand(place(3), 'r3');
    await tick();
    expect(h.published).toEqual([]);
    expect(h.appends).toHaveLength(1);
    const batch = decodeBatch(h.appends[0].payload);
    expect(batch.ok && batch.entries.map((e) => e.command.clientOrderId)).toEqual(['c1', 'c3']);
    expect(h.appends[0].expected).toBe(0);
    await h.ack();
    expect(h.published.map((p) => p.subject)).toEqual([
      'trading.order.u1.BTC-USD',
      'trading.book.BTC-USD',
      'r1',
      'r2',
      'trading.order.u1.BTC-USD',
      'trading.book.BTC-USD',
      'r3',
    ]);
    expect(JSON.parse(h.published[3].payload).error.code).toBe('VALIDATION_FAILED');
  });

  it('keeps one batch in flight; the next accumulates and names the previous seq', async () => {
    const h = harness();
    h.sequencer.handleCommand(place(1), 'r1');
    await tick();
    h.sequencer.handleCommand(place(2), 'r2');
    h.sequencer.handleCommand(place(3), 'r3');
    await tick();
    expect(h.appends).toHaveLength(1);
    expect(h.sequencer.journalLag).toBe(3);
    await h.ack();
    expect(h.appends).toHaveLength(1);
    expect(h.appends[0].expected).toBe(1);
    const batch = decodeBatch(h.appends[0].payload);
    expect(batch.ok && batch.entries).toHaveLength(2);
    await h.ack();
    expect(h.published.filter((p) => p.subject.startsWith('r'))).toHaveLength(3);
    expect(h.sequencer.journalSeq).toBe(2);
    expect(h.sequencer.journalLag).toBe(0);
  });

  it('splits batches at JOURNAL_BATCH_MAX', async () => {
    const h = harness(2);
    for (let i = 1; i <= 5; i++) h.sequencer.handleCommand(place(i), `r${i}`);
    await tick();
    const sizes: number[] = [];
    while (h.appends.length > 0) {
      const b = decodeBatch(h.appends[0].payload);
      sizes.push(b.ok ? b.entries.length : -1);
      await h.ack();
    }
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('a refusal arriving while a batch is in flight waits for it', async () => {
    const h = harness();
    h.sequencer.handleCommand(place(1), 'r1');
    await tick();
    h.sequencer.handleCommand(JSON.stringify({ type: 'cancel', userId: 'u1', orderId: 'BTC-USD-999' }), 'r2');
    expect(h.published).toEqual([]);
    await h.ack();
    expect(h.published.map((p) => p.subject).filter((s) => s.startsWith('r'))).toEqual(['r1', 'r2']);
    expect(JSON.parse(h.published.at(-1)!.payload).error.code).toBe('ORDER_NOT_FOUND');
  });

  it('a failed append releases nothing, stops serving and reports the failure', async () => {
    const h = harness();
    h.sequencer.handleCommand(place(1), 'r1');
    await tick();
    h.sequencer.handleCommand(place(2), 'r2');
    h.appends.shift()!.reject(new JournalFencedError('BTC-USD', 0));
    await tick();
    expect(h.published).toEqual([]);
    expect(h.failures[0]).toBeInstanceOf(JournalFencedError);
    expect(h.sequencer.serving).toBe(false);
    h.sequencer.handleCommand(place(3), 'r3');
    await tick();
    expect(h.appends).toHaveLength(0);
    expect(h.published).toEqual([]);
  });

  it('captureState waits for the journal, holds new commands meanwhile, then runs them in order', async () => {
    const h = harness();
    h.sequencer.handleCommand(place(1), 'r1');
    await tick();
    const captured = h.sequencer.captureState();
    h.sequencer.handleCommand(place(2), 'r2');
    await tick();
    expect(h.appends).toHaveLength(1);
    await h.ack();
    const { journalSeq, stateJson } = await captured;
    expect(journalSeq).toBe(1);
    const state = JSON.parse(stateJson);
    // The state covers exactly journal seq 1: the held command is not in it.
    const restored = createSymbolEngine(createSymbolSpec('BTC-USD'), state);
    expect(restored.stats.restingOrders).toBe(1);
    await tick();
    expect(h.appends).toHaveLength(1);
    await h.ack();
    expect(h.published.filter((p) => p.subject.startsWith('r')).map((p) => p.subject)).toEqual(['r1', 'r2']);
  });

  it('snapshot requests are answered in order and bad bodies refused', async () => {
    const h = harness();
    h.sequencer.handleCommand(place(1), 'r1');
    h.sequencer.handleSnapshotRequest('{}', 's1');
    h.sequencer.handleSnapshotRequest('{"depth":-1}', 's2');
    await tick();
    expect(h.published).toEqual([]);
    await h.ack();
    const s1 = JSON.parse(h.published.find((p) => p.subject === 's1')!.payload);
    expect(s1).toMatchObject({ type: 'OrderBookSnapshot', seq: 1, bids: [['101.00', '1.0000']] });
    const s2 = JSON.parse(h.published.find((p) => p.subject === 's2')!.payload);
    expect(s2.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { depth: expect.any(String) } });
  });

  it('ends each released run with flushPublishes, before onReleased (the watermark must follow the events)', async () => {
    const log: string[] = [];
    let seq = 0;
    const appends: Array<(seq: number) => void> = [];
    const sequencer = new SymbolSequencer(
      'BTC-USD',
      createSymbolEngine(createSymbolSpec('BTC-USD')),
      0,
      {
        publish: (subject) => log.push(`publish ${subject}`),
        flushPublishes: () => log.push('flush'),
        append: () => new Promise((resolve) => appends.push(resolve)),
        onFailure: () => undefined,
        onReleased: () => log.push('released'),
      },
      new EngineMetrics(),
      { batchMax: 100, batchMaxBytes: 900 * 1024 },
    );
    sequencer.handleCommand(place(1), 'r1');
    await tick();
    appends.shift()!(++seq);
    await tick();
    expect(log).toEqual(['publish trading.order.u1.BTC-USD', 'publish trading.book.BTC-USD', 'publish r1', 'flush', 'released']);
    // With no batch open, a refusal is released at once, and flushed at once.
    log.length = 0;
    sequencer.handleCommand('not json', 'r2');
    expect(log).toEqual(['publish r2', 'flush']);
  });
});
