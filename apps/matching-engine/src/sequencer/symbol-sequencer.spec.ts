import { describe, expect, it } from '@jest/globals';
import { createSymbolSpec } from '@trading/contracts';
import { createSymbolEngine } from '@trading/order-book';
import { EngineMetrics } from '../admin/engine-metrics.js';
import { decodeBatch } from '../journal/journal-format.js';
import { JournalFencedError } from '../journal/journal-errors.js';
import { FrameArena, parseFrames } from '../nats/frame-arena.js';
import { SymbolSequencer, type FramePorts } from './symbol-sequencer.js';

/**
 * The sequencer with the real matching core and an in-memory journal whose acks the test releases
 * by hand, to pin down ordering: nothing leaves before its batch is acknowledged, one batch in
 * flight, refusals in arrival order, nothing released from a failed batch.
 */
type Mode = 'strings' | 'frames';

/** Frame ports as the runtime wires them (one arena), with sent frames decoded back into messages. */
function framePorts(arena: FrameArena, published: { subject: string; payload: string }[]): FramePorts {
  return {
    add: (run, subject, payload) => arena.add(run, subject, payload),
    cut: (run) => arena.cut(run),
    send: (frames) => published.push(...parseFrames(frames)),
  };
}

function makeHarness(batchMax = 100, mode: Mode = 'strings', arena = new FrameArena(), symbol = 'BTC-USD', maxPayload?: number) {
  const published: { subject: string; payload: string }[] = [];
  const appends: { payload: string; expected: number; resolve: (seq: number) => void; reject: (err: unknown) => void }[] = [];
  const failures: unknown[] = [];
  let seq = 0;
  const engine = createSymbolEngine(createSymbolSpec(symbol));
  const sequencer = new SymbolSequencer(
    symbol,
    engine,
    0,
    {
      publish: (subject, payload) => published.push({ subject, payload }),
      frames: mode === 'frames' ? framePorts(arena, published) : undefined,
      append: (_symbol, payload, expected) => new Promise((resolve, reject) => appends.push({ payload, expected, resolve, reject })),
      onFailure: (_symbol, err) => failures.push(err),
      onReleased: () => undefined,
      maxPayload: maxPayload === undefined ? undefined : () => maxPayload,
    },
    new EngineMetrics(),
    { batchMax, batchMaxBytes: 900 * 1024 },
  );
  const ack = async () => {
    const next = appends.shift()!;
    next.resolve(++seq);
    await new Promise((r) => setImmediate(r));
  };
  return { sequencer, engine, published, appends, failures, ack };
}

const tick = () => new Promise((r) => setImmediate(r));
const place = (n: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'place', userId: 'u1', clientOrderId: `c${n}`, side: 'buy', orderType: 'limit', price: `${100 + n}.00`, quantity: '1.0000', ...extra });

describe.each<Mode>(['strings', 'frames'])('SymbolSequencer (waiting messages kept as %s)', (mode) => {
  const harness = (batchMax = 100) => makeHarness(batchMax, mode);
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

});

describe('SymbolSequencer', () => {
  it('{} answers the whole book, however deep; a snapshot over max_payload is refused with SNAPSHOT_TOO_LARGE and the depth that fits', async () => {
    const h = makeHarness(1000, 'strings', undefined, 'BTC-USD', 4 * 1024);
    for (let i = 0; i < 300; i++) h.sequencer.handleCommand(place(i, { price: `${100 + i}.00`, clientOrderId: `deep${i}` }), `r${i}`);
    h.sequencer.handleSnapshotRequest('{}', 'whole');
    h.sequencer.handleSnapshotRequest('{"depth":150}', 'top150');
    await tick();
    while (h.appends.length > 0) await h.ack();
    const whole = JSON.parse(h.published.find((p) => p.subject === 'whole')!.payload);
    expect(whole.error).toMatchObject({ code: 'SNAPSHOT_TOO_LARGE', details: { depth: expect.stringMatching(/^at most \d+ levels per side fit/) } });
    const fits = Number(/"depth":(\d+)/.exec(whole.error.details.depth)![1]);
    expect(fits).toBeGreaterThan(100);
    expect(fits).toBeLessThan(300);
    h.sequencer.handleSnapshotRequest(`{"depth":${fits}}`, 'fits');
    await tick();
    const fitting = h.published.find((p) => p.subject === 'fits')!.payload;
    expect(fitting.length).toBeLessThanOrEqual(4 * 1024);
    expect(JSON.parse(fitting).bids).toHaveLength(fits);
    expect(JSON.parse(h.published.find((p) => p.subject === 'top150')!.payload).bids).toHaveLength(150);

    const roomy = makeHarness(1000, 'strings', undefined, 'BTC-USD');
    for (let i = 0; i < 300; i++) roomy.sequencer.handleCommand(place(i, { price: `${100 + i}.00`, clientOrderId: `deep${i}` }), `r${i}`);
    roomy.sequencer.handleSnapshotRequest('{}', 'whole');
    await tick();
    while (roomy.appends.length > 0) await roomy.ack();
    expect(JSON.parse(roomy.published.find((p) => p.subject === 'whole')!.payload).bids).toHaveLength(300);
  });

  it('reuses the last snapshot reply while no command changed the book, and never serves a stale one', async () => {
    const h = makeHarness(1000);
    const realSnapshot = h.engine.snapshot.bind(h.engine);
    let encoded = 0;
    h.engine.snapshot = (depth?: number) => {
      encoded++;
      return realSnapshot(depth);
    };
    const drain = async () => {
      await tick();
      while (h.appends.length > 0) await h.ack();
    };
    const replyTo = (subject: string) => h.published.find((p) => p.subject === subject)!.payload;
    h.sequencer.handleCommand(place(1), 'r1');
    await drain();
    for (const s of ['a', 'b', 'c']) h.sequencer.handleSnapshotRequest('{}', s);
    h.sequencer.handleSnapshotRequest('{"depth":1}', 'd1');
    expect(encoded).toBe(2); // {} once for a, b and c; depth 1 is another reply
    expect(replyTo('b')).toBe(replyTo('a'));
    // A refused command changes nothing: still the same reply, and still what the engine says.
    h.sequencer.handleCommand(place(1, { price: 'nope' }), 'bad');
    await drain();
    h.sequencer.handleSnapshotRequest('{}', 'after-refusal');
    expect(encoded).toBe(3); // depth 1 in between replaced the remembered reply
    expect(replyTo('after-refusal')).toBe(JSON.stringify(realSnapshot(undefined)));
    // An accepted command: a fresh reply with its level and seq.
    h.sequencer.handleCommand(place(2), 'r2');
    h.sequencer.handleSnapshotRequest('{}', 'after-place');
    await drain();
    expect(JSON.parse(replyTo('after-place'))).toMatchObject({ seq: 2, bids: [['102.00', '1.0000'], ['101.00', '1.0000']] });
    expect(replyTo('after-place')).toBe(JSON.stringify(realSnapshot(undefined)));
  });

  it('framed ahead or kept as strings: the same messages in the same order, two symbols sharing one arena, snapshots over 64 KiB included', async () => {
    const arena = new FrameArena();
    const framed = [makeHarness(7, 'frames', arena, 'BTC-USD'), makeHarness(7, 'frames', arena, 'ETH-USD')];
    const plain = [makeHarness(7, 'strings', undefined, 'BTC-USD'), makeHarness(7, 'strings', undefined, 'ETH-USD')];
    let rng = 12345;
    // mulberry32: deterministic, good enough in every bit.
    const random = (n: number) => {
      rng = (rng + 0x6d2b79f5) | 0;
      let t = Math.imul(rng ^ (rng >>> 15), 1 | rng);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n);
    };
    for (let step = 0; step < 3000; step++) {
      const which = random(2);
      const r = random(100);
      const user = `u${random(5)}`;
      const side = random(2) === 0 ? 'buy' : 'sell';
      const body =
        r < 70
          ? { type: 'place', userId: user, clientOrderId: `c${step}`, side, orderType: random(4) === 0 ? 'ioc' : 'limit', price: `${1000 + random(40) * 10 - 200}.00`, quantity: `${1 + random(3)}.0000` }
          : r < 90
            ? { type: 'cancel', userId: user, clientOrderId: `c${step - 1 - random(50)}` }
            : r < 97
              ? { type: 'place', userId: user, clientOrderId: `x${step}`, side, orderType: 'limit', price: 'x', 'prix_\u00e9lev\u00e9': 1 }
              : undefined;
      for (const h of [framed[which]!, plain[which]!]) {
        if (body) h.sequencer.handleCommand(JSON.stringify(body), `_INBOX.r${step}`);
        else if (r < 99) h.sequencer.handleSnapshotRequest('{"depth":3}', `_INBOX.s${step}`);
        else h.sequencer.handleCommand('not json', `_INBOX.r${step}`);
      }
      if (random(10) === 0) {
        // Ack one pending batch on both sides alike.
        const k = random(2);
        for (const h of [framed[k]!, plain[k]!]) if (h.appends.length > 0) await h.ack();
      }
      if (step === 1500) {
        // A deep book and a snapshot reply above the 64 KiB frame limit, in the middle of a batch.
        for (let i = 0; i < 5000; i++) {
          const body = JSON.stringify({ type: 'place', userId: 'deep', clientOrderId: `d${i}`, side: 'buy', orderType: 'limit', price: (10 + i / 100).toFixed(2), quantity: '1.0000' });
          for (const h of [framed[0]!, plain[0]!]) h.sequencer.handleCommand(body, `_INBOX.d${i}`);
        }
        for (const h of [framed[0]!, plain[0]!]) h.sequencer.handleSnapshotRequest('{"depth":5000}', '_INBOX.big');
      }
      if (random(20) === 0) await tick();
    }
    for (let i = 0; i < 2; i++) {
      while (framed[i]!.appends.length > 0 || plain[i]!.appends.length > 0) {
        await framed[i]!.ack();
        await plain[i]!.ack();
      }
      await tick();
    }
    expect(plain[0]!.published.find((m) => m.subject === '_INBOX.big')!.payload.length).toBeGreaterThan(64 * 1024);
    expect(plain[0]!.published.some((m) => m.payload.includes('\u00e9'))).toBe(true);
    for (let i = 0; i < 2; i++) {
      expect(framed[i]!.published.length).toBeGreaterThan(3000);
      // Date.now() differs between the two runs: the sequencing time aside, every byte is the same.
      const sameTime = (list: { subject: string; payload: string }[]) => list.map((m) => ({ subject: m.subject, payload: m.payload.replace(/"ts":\d+/g, '"ts":0') }));
      expect(sameTime(framed[i]!.published)).toEqual(sameTime(plain[i]!.published));
    }
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
