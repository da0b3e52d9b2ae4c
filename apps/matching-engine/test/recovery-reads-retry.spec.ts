import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, jetstreamManager, type JetStreamManager, type StoredMsg } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { NatsServer } from '@trading/testing';
import { ensureJournalStream, journalSubject, lastJournalSeq } from '../src/journal/journal-stream.js';
import { PROGRESS_BUCKET, PublishWatermarks } from '../src/progress/publish-watermark.js';
import { RecoveryReadError, readWithRetry } from '../src/sequencer/recovery-read.js';
import { recoverSymbol } from '../src/sequencer/symbol-recovery.js';
import { SnapshotStore } from '../src/snapshots/snapshot-store.js';

/**
 * Recovery's point reads (issue 7): snapshot head, last journal seq, published watermark. Attempts
 * are short and hedged, failed ones retried within a budget, so a leader election
 * costs about its own length instead of 5 s per try. Against a real nats-server, with the reads made
 * to fail or hang the first N times through a wrapper: the answer is the real one, "not found" stays
 * "not found", and "no answer" within the budget FAILS the read, never becomes "not found".
 */
type Attempt = () => Promise<StoredMsg | null>;
type Wrap = (symbol: string, attempt: Attempt) => Promise<StoredMsg | null>;

/** Fails the first `n` attempts: rejects (like no responders) or never answers (like an election). */
function flaky(n: number, how: 'reject' | 'hang'): Wrap & { calls: number } {
  const wrap = ((_symbol: string, attempt: Attempt) => {
    wrap.calls++;
    if (wrap.calls <= n) return how === 'reject' ? Promise.reject(new Error('simulated: no responders')) : new Promise<never>(() => undefined);
    return attempt();
  }) as Wrap & { calls: number };
  wrap.calls = 0;
  return wrap;
}
const always = (how: 'reject' | 'hang'): Wrap & { calls: number } => flaky(Number.MAX_SAFE_INTEGER, how);

const quick = { attemptTimeoutMs: 200, budgetMs: 1500 };
const spec = { symbol: 'BTC-USD', tickSize: '0.01', lotSize: '0.0001', minQuantity: '0.0001' } as never;

describe('recovery reads: short attempts, quick retries, "no answer" is not "not found"', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let btcLastSeq = 0;

  beforeAll(async () => {
    nats = await NatsServer.start({ jetstream: true });
    nc = await connect({ servers: nats.url });
    jsm = await ensureJournalStream(nc, { maxAgeSeconds: 3600, replicas: 1 });
    const js = jetstream(nc);
    for (let i = 0; i < 3; i++) btcLastSeq = (await js.publish(journalSubject('BTC-USD'), `batch ${i}`)).seq;
    await js.publish(journalSubject('ETH-USD'), 'other symbol, later seq');
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.dispose();
  });

  describe('readWithRetry', () => {
    it('bounds each attempt and gives up after the budget with RecoveryReadError', async () => {
      const stats = { failedAttempts: 0 };
      const err = await readWithRetry('never answered', () => new Promise<never>(() => undefined), { attemptTimeoutMs: 100, budgetMs: 700 }, stats).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RecoveryReadError);
      expect((err as RecoveryReadError).attempts).toBeGreaterThanOrEqual(3);
      expect(stats.failedAttempts).toBe((err as RecoveryReadError).attempts);
    });

    it('hedges: sends another attempt while the first is still unanswered, and the first answer wins', async () => {
      let calls = 0;
      let firstSettled = false;
      const stats = { failedAttempts: 0 };
      const value = await readWithRetry(
        'hedged',
        () => {
          calls++;
          if (calls === 1) return new Promise<string>((resolve) => setTimeout(() => ((firstSettled = true), resolve('late')), 3000));
          return Promise.resolve('second');
        },
        { attemptTimeoutMs: 5000, hedgeAfterMs: 100, budgetMs: 10_000 },
        stats,
      );
      expect(value).toBe('second');
      expect(calls).toBe(2);
      expect(firstSettled).toBe(false);
      expect(stats.failedAttempts).toBe(0);
    });

    it('a slow first answer still counts (not abandoned when the hedge is sent)', async () => {
      let calls = 0;
      const value = await readWithRetry(
        'slow',
        () => (++calls === 1 ? new Promise<string>((resolve) => setTimeout(() => resolve('first'), 300)) : new Promise<never>(() => undefined)),
        { attemptTimeoutMs: 5000, hedgeAfterMs: 100, budgetMs: 10_000 },
      );
      expect(value).toBe('first');
      expect(calls).toBeGreaterThanOrEqual(2);
    });

    it('returns a resolved null as the answer (a definite "not found"), without retrying', async () => {
      let calls = 0;
      expect(await readWithRetry('absent', async () => (calls++, null), quick)).toBeNull();
      expect(calls).toBe(1);
    });
  });

  describe('lastJournalSeq', () => {
    it('answers the subject\'s last seq, and 0 only when the leader says it has none', async () => {
      expect(await lastJournalSeq(jsm, 'BTC-USD', quick)).toBe(btcLastSeq);
      const stats = { failedAttempts: 0 };
      expect(await lastJournalSeq(jsm, 'SOL-USD', { ...quick, stats })).toBe(0);
      expect(stats.failedAttempts).toBe(0);
    });

    it.each(['reject', 'hang'] as const)('retries attempts that %s and returns the real seq', async (how) => {
      const wrap = flaky(3, how);
      const stats = { failedAttempts: 0 };
      expect(await lastJournalSeq(jsm, 'BTC-USD', { ...quick, budgetMs: 5000, wrapAttempt: wrap, stats })).toBe(btcLastSeq);
      expect(wrap.calls).toBe(4);
      expect(stats.failedAttempts).toBe(3);
    });

    it.each(['reject', 'hang'] as const)('fails (never 0) when every attempt %ss, also for a symbol with no journal', async (how) => {
      for (const symbol of ['BTC-USD', 'SOL-USD']) {
        const wrap = always(how);
        await expect(lastJournalSeq(jsm, symbol, { ...quick, wrapAttempt: wrap })).rejects.toBeInstanceOf(RecoveryReadError);
        expect(wrap.calls).toBeGreaterThan(1);
      }
    });

    it('fails (never 0) against a real server that does not answer JetStream requests', async () => {
      const plain = await NatsServer.start({ jetstream: false });
      const pc = await connect({ servers: plain.url });
      try {
        const noJs = await jetstreamManager(pc, { checkAPI: false });
        await expect(lastJournalSeq(noJs, 'BTC-USD', quick)).rejects.toBeInstanceOf(RecoveryReadError);
      } finally {
        await pc.close();
        await plain.dispose();
      }
    });
  });

  describe('SnapshotStore.load', () => {
    let store: SnapshotStore;
    const state = { version: 1, symbol: 'BTC-USD', orders: [[1, 'u1', '100.00', '1.0000']] };
    beforeAll(async () => {
      store = await SnapshotStore.open(nc, 1, quick);
      await store.save('BTC-USD', 2, JSON.stringify(state));
    });

    it('answers the snapshot, and undefined only when the leader says there is none', async () => {
      expect(await store.load('BTC-USD')).toMatchObject({ journalSeq: 2, state });
      expect(await store.load('NONE-USD')).toBeUndefined();
      expect(store.readStats.failedAttempts).toBe(0);
    });

    it.each(['reject', 'hang'] as const)('retries attempts that %s and returns the real snapshot / the real "none"', async (how) => {
      const wrap = flaky(2, how);
      const flakyStore = await SnapshotStore.open(nc, 1, { ...quick, budgetMs: 5000, wrapHeadRead: wrap });
      expect(await flakyStore.load('BTC-USD')).toMatchObject({ journalSeq: 2, state });
      expect(wrap.calls).toBe(3);
      wrap.calls = 0;
      expect(await flakyStore.load('NONE-USD')).toBeUndefined();
      expect(wrap.calls).toBe(3);
      expect(flakyStore.readStats.failedAttempts).toBe(4);
    });

    it.each(['reject', 'hang'] as const)('fails (never "no snapshot") when every attempt %ss', async (how) => {
      const failing = await SnapshotStore.open(nc, 1, { ...quick, wrapHeadRead: always(how) });
      await expect(failing.load('BTC-USD')).rejects.toBeInstanceOf(RecoveryReadError);
      await expect(failing.load('NONE-USD')).rejects.toBeInstanceOf(RecoveryReadError);
    });
  });

  describe('PublishWatermarks.read', () => {
    let marks: PublishWatermarks;
    beforeAll(async () => {
      marks = await PublishWatermarks.open(nc, 1, quick);
      const kv = await new Kvm(nc).open(PROGRESS_BUCKET);
      await kv.put('BTC-USD', '17');
      await kv.put('GONE-USD', '5');
      await kv.delete('GONE-USD');
    });

    it('answers the watermark, and 0 only for a key the leader has not (or has deleted)', async () => {
      expect(await marks.read('BTC-USD')).toBe(17);
      expect(await marks.read('NONE-USD')).toBe(0);
      expect(await marks.read('GONE-USD')).toBe(0);
      expect(marks.readStats.failedAttempts).toBe(0);
    });

    it.each(['reject', 'hang'] as const)('retries attempts that %s and returns the real watermark', async (how) => {
      const wrap = flaky(2, how);
      const flakyMarks = await PublishWatermarks.open(nc, 1, { ...quick, budgetMs: 5000, wrapRead: wrap });
      expect(await flakyMarks.read('BTC-USD')).toBe(17);
      expect(wrap.calls).toBe(3);
      expect(flakyMarks.readStats.failedAttempts).toBe(2);
    });

    it.each(['reject', 'hang'] as const)('fails (never 0) when every attempt %ss', async (how) => {
      const failing = await PublishWatermarks.open(nc, 1, { ...quick, wrapRead: always(how) });
      await expect(failing.read('BTC-USD')).rejects.toBeInstanceOf(RecoveryReadError);
      await expect(failing.read('NONE-USD')).rejects.toBeInstanceOf(RecoveryReadError);
    });
  });

  it('recoverSymbol fails, instead of starting from an empty book, when the snapshot head gets no answer', async () => {
    const store = await SnapshotStore.open(nc, 1, { ...quick, wrapHeadRead: always('hang') });
    let replayed = false;
    let built = false;
    await expect(
      recoverSymbol(
        spec,
        () => {
          built = true;
          throw new Error('must not build an engine');
        },
        {
          loadSnapshot: (s) => store.load(s),
          lastJournalSeq: (s) => lastJournalSeq(jsm, s, quick),
          publishedWatermark: async () => 0,
          replay: async () => {
            replayed = true;
          },
          publish: () => undefined,
        },
      ),
    ).rejects.toBeInstanceOf(RecoveryReadError);
    expect(built).toBe(false);
    expect(replayed).toBe(false);
  });
});
