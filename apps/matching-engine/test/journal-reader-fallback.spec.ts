import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstream, type Consumer, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { delay, NatsServer } from '@trading/testing';
import { batchEntries, encodeBatch, encodeEntry } from '../src/journal/journal-format.js';
import { JournalReader, type JournalBatch, type JournalReaderOptions } from '../src/journal/journal-reader.js';
import { ensureJournalStream, journalSubject } from '../src/journal/journal-stream.js';

/**
 * The journal reader's fallback (issue 7): when the ordered consumer cannot be created quickly
 * (after a cluster node loss it timed out in 19 of 45 tries), stalls, or fails mid-read, the tail
 * is read by STREAM.MSG.GET next_by_subj. Against a real nats-server, with the consumer made to fail
 * through a wrapper: the same batches come back, each once, in order, and a batch that cannot be
 * read fails the replay instead of being skipped.
 */
describe('JournalReader: consumer fallback to message gets', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  /** Stream seqs of BTC-USD's batches, in order; ETH-USD's are interleaved between them. */
  const btcSeqs: number[] = [];
  const btcIds = new Map<number, string[]>();

  beforeAll(async () => {
    nats = await NatsServer.start({ jetstream: true });
    nc = await connect({ servers: nats.url });
    await ensureJournalStream(nc, { maxAgeSeconds: 3600, replicas: 1 });
    const js = jetstream(nc);
    let n = 0;
    const batchOf = (symbol: string, count: number, pad = 0): { text: string; ids: string[] } => {
      const ids: string[] = [];
      const entries: string[] = [];
      for (let i = 0; i < count; i++) {
        const clientOrderId = `o${++n}${'x'.repeat(pad)}`;
        ids.push(clientOrderId);
        entries.push(encodeEntry(1_700_000_000_000 + n, { type: 'place', symbol, userId: 'u1', clientOrderId, side: 'buy', orderType: 'limit', price: '100.00', quantity: '1.0000' } as never));
      }
      return { text: encodeBatch(entries), ids };
    };
    for (let b = 0; b < 60; b++) {
      // One large batch (~0.9 MiB: the get answer carries it base64, above max_payload) among small ones.
      const big = b === 30;
      const btc = batchOf('BTC-USD', big ? 30 : 1 + (b % 4), big ? 30_000 : 0);
      const ack = await js.publish(journalSubject('BTC-USD'), btc.text);
      btcSeqs.push(ack.seq);
      btcIds.set(ack.seq, btc.ids);
      await js.publish(journalSubject('ETH-USD'), batchOf('ETH-USD', 2).text);
    }
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.dispose();
  });

  /** Replays (afterSeq, untilSeq] of BTC-USD and returns the seqs handed over, checking each batch's content. */
  async function replayBtc(reader: JournalReader, afterSeq: number, untilSeq: number, onBatch?: (batch: JournalBatch) => void | Promise<void>): Promise<number[]> {
    const seen: number[] = [];
    await reader.replay('BTC-USD', afterSeq, untilSeq, (batch) => {
      seen.push(batch.seq);
      expect(batchEntries(batch.entries).map((e) => (e.command as { clientOrderId: string }).clientOrderId)).toEqual(btcIds.get(batch.seq));
      return onBatch?.(batch);
    });
    return seen;
  }

  const expected = (afterSeq: number, untilSeq: number): number[] => btcSeqs.filter((s) => s > afterSeq && s <= untilSeq);
  const failingConsumer = (): JournalReaderOptions['openConsumer'] => () => Promise.reject(new Error('simulated: consumer create timed out'));

  it('reads with the ordered consumer when it works (no gets)', async () => {
    const reader = new JournalReader(nc);
    const after = btcSeqs[4];
    const until = btcSeqs[55];
    expect(await replayBtc(reader, after, until)).toEqual(expected(after, until));
    expect(reader.stats).toMatchObject({ batchesByGet: 0, consumerFailures: 0, batchesByConsumer: expected(after, until).length });
  });

  it('reads the same batches by get when the consumer cannot be created', async () => {
    const reader = new JournalReader(nc, { openConsumer: failingConsumer() });
    const after = btcSeqs[4];
    const until = btcSeqs[55];
    expect(await replayBtc(reader, after, until)).toEqual(expected(after, until));
    expect(reader.stats.batchesByConsumer).toBe(0);
    expect(reader.stats.batchesByGet).toBe(expected(after, until).length);
    expect(reader.stats.consumerFailures).toBeGreaterThanOrEqual(1);
  });

  it('gives a consumer creation that does not answer only consumerCreateTimeoutMs', async () => {
    const reader = new JournalReader(nc, { consumerCreateTimeoutMs: 200, openConsumer: () => new Promise<never>(() => undefined) });
    const started = performance.now();
    expect(await replayBtc(reader, 0, btcSeqs[59])).toEqual(btcSeqs);
    expect(performance.now() - started).toBeLessThan(5_000); // the old reader waited 5 s per try
    expect(reader.stats.batchesByGet).toBe(btcSeqs.length);
  });

  it('continues by get, exactly once, after a consumer that fails mid-read, and tries the consumer again later', async () => {
    let opened = 0;
    const reader = new JournalReader(nc, {
      getSliceMs: 1,
      openConsumer: async (symbol, startSeq) => {
        opened++;
        if (opened === 1) return failAfter(await defaultConsumer(nc, symbol, startSeq), 3);
        if (opened === 2) throw new Error('simulated: consumer create timed out');
        return defaultConsumer(nc, symbol, startSeq);
      },
    });
    const after = btcSeqs[10];
    const until = btcSeqs[59];
    expect(await replayBtc(reader, after, until)).toEqual(expected(after, until));
    expect(opened).toBe(3);
    expect(reader.stats.consumerFailures).toBe(2);
    expect(reader.stats.batchesByGet).toBeGreaterThanOrEqual(1);
    expect(reader.stats.batchesByConsumer + reader.stats.batchesByGet).toBe(expected(after, until).length);
  });

  it('retries failed gets', async () => {
    let gets = 0;
    const base = new JournalReader(nc);
    const reader = new JournalReader(nc, {
      openConsumer: failingConsumer(),
      getNext: (symbol, fromSeq) => (++gets % 3 === 0 ? Promise.reject(new Error('simulated: no responders')) : (base as unknown as { getNext: JournalReaderOptions['getNext'] }).getNext!(symbol, fromSeq)),
    });
    expect(await replayBtc(reader, 0, btcSeqs[20])).toEqual(expected(0, btcSeqs[20]));
    expect(reader.stats.getFailures).toBeGreaterThan(0);
  });

  it('does not count a wait for onBatch as a consumer stall', async () => {
    const reader = new JournalReader(nc, { stallMs: 200 });
    const seen = await replayBtc(reader, 0, btcSeqs[8], (batch) => (batch.seq === btcSeqs[2] ? delay(600) : undefined));
    expect(seen).toEqual(expected(0, btcSeqs[8]));
    expect(reader.stats.consumerFailures).toBe(0);
  });

  it('fails, without skipping, when a batch up to untilSeq cannot be found', async () => {
    // untilSeq above the subject's last batch: the consumer delivers everything there is, then stalls;
    // the stream leader has no next batch either. Recovery must fail and retry, not own a partial tail.
    const reader = new JournalReader(nc, { stallMs: 300 });
    const last = btcSeqs[59];
    const seen: number[] = [];
    await expect(reader.replay('BTC-USD', btcSeqs[50], last + 10, (b) => void seen.push(b.seq))).rejects.toThrow(/not found/);
    expect(seen).toEqual(expected(btcSeqs[50], last));
  });

  it('fails after giveUpMs when neither means can read', async () => {
    const reader = new JournalReader(nc, { giveUpMs: 400, openConsumer: failingConsumer(), getNext: () => Promise.reject(new Error('simulated: no responders')) });
    await expect(reader.replay('BTC-USD', 0, btcSeqs[3], () => undefined)).rejects.toThrow(/unreadable for 400 ms/);
  });

  it('gives up after giveUpMs also when consumers are created but never deliver', async () => {
    let opened = 0;
    const reader = new JournalReader(nc, {
      giveUpMs: 1500,
      stallMs: 300,
      getSliceMs: 100,
      openConsumer: () => {
        opened++;
        return Promise.resolve(silentConsumer());
      },
      getNext: () => Promise.reject(new Error('simulated: no responders')),
    });
    await expect(reader.replay('BTC-USD', 0, btcSeqs[3], () => undefined)).rejects.toThrow(/unreadable for 1500 ms/);
    expect(opened).toBeGreaterThanOrEqual(2);
    expect(reader.stats.consumerFailures).toBe(opened);
  });

  it("passes onBatch's error through, without reading on", async () => {
    for (const openConsumer of [undefined, failingConsumer()]) {
      const reader = new JournalReader(nc, { openConsumer });
      let calls = 0;
      await expect(
        reader.replay('BTC-USD', 0, btcSeqs[10], () => {
          if (++calls === 2) throw new Error('flush failed');
        }),
      ).rejects.toThrow('flush failed');
      expect(calls).toBe(2);
    }
  });
});

function defaultConsumer(nc: NatsConnection, symbol: string, startSeq: number): Promise<Consumer> {
  return jetstream(nc).consumers.get('TRADING_JOURNAL', { filter_subjects: journalSubject(symbol), opt_start_seq: startSeq, deliver_policy: 'by_start_sequence' as never });
}

/** The consumer, whose message iterator throws after `count` messages (as a consumer on a dying node would stop). */
function failAfter(consumer: Consumer, count: number): Consumer {
  return new Proxy(consumer, {
    get(target, prop, receiver) {
      if (prop !== 'consume') return Reflect.get(target, prop, receiver) as unknown;
      return async (opts: unknown) => {
        const real = await target.consume(opts as never);
        let delivered = 0;
        const iterator = real[Symbol.asyncIterator]();
        const wrapped = {
          stop: () => real.stop(),
          close: () => real.close(),
          [Symbol.asyncIterator]: () => ({
            async next(): Promise<IteratorResult<JsMsg>> {
              if (delivered >= count) throw new Error('simulated: consumer failed');
              delivered++;
              return iterator.next();
            },
            return: () => Promise.resolve({ done: true, value: undefined }),
          }),
        };
        return wrapped as unknown as ConsumerMessages;
      };
    },
  });
}

/** A consumer that is created but never delivers a message (its iterator ends only when stopped). */
function silentConsumer(): Consumer {
  let stopped: (() => void) | undefined;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  const messages = {
    stop: () => stopped!(),
    close: () => {
      stopped!();
      return Promise.resolve();
    },
    [Symbol.asyncIterator]: () => ({
      next: async (): Promise<IteratorResult<JsMsg>> => {
        await done;
        return { done: true, value: undefined };
      },
    }),
  };
  return { consume: () => Promise.resolve(messages as unknown as ConsumerMessages), delete: () => Promise.resolve(true) } as unknown as Consumer;
}
