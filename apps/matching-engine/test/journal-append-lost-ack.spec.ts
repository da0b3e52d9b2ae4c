import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { errors, type Msg, type NatsConnection, type RequestOptions } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { NatsServer, waitFor } from '@trading/testing';
import { JournalFencedError } from '../src/journal/journal-errors.js';
import { JOURNAL_STREAM } from '../src/journal/journal-stream.js';
import { JournalWriter } from '../src/journal/journal-writer.js';

/**
 * A journal append whose batch was stored but whose answer never came back: what a `kill -9` of the
 * cluster node in between does (the answer was routed to the dead node). The writer's connection is
 * wrapped so that the first append reaches the server and is stored, and its answer is dropped.
 * The journal stream here has a 100 ms duplicate window, so the resend is answered "wrong last
 * sequence" as nats-server 2.9 does on a cluster, instead of "duplicate".
 */
describe('JournalWriter: an append stored but unanswered', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  beforeAll(async () => {
    nats = await NatsServer.start({ jetstream: true });
    nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 50 });
    jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: JOURNAL_STREAM, subjects: ['journal.>'], duplicate_window: 100_000_000 });
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.dispose();
  });

  /**
   * `nc`, except that the first `drop` requests are delivered and stored but their answer is lost.
   * With `timeoutAfter`, the lost answer's timeout fires when that promise settles (the test decides
   * what happens first) instead of after the request's own timeout.
   */
  function losingAnswers(drop: number, answerLost: 'hang' | 'timeout', timeoutAfter?: Promise<unknown>) {
    const sent: string[] = [];
    const wrapped = new Proxy(nc, {
      get(target, prop) {
        if (prop === 'request') {
          return async (subject: string, payload: string, opts?: RequestOptions): Promise<Msg> => {
            // The answers of the first `drop` requests are lost, counted by request, not by answer:
            // when the first answer is still on its way at a forced reconnect, the resend's answer
            // can arrive first, and losing that one instead hung the test (twice in loaded CI runs).
            const index = sent.length;
            sent.push(subject);
            const answer = await target.request(subject, payload, opts);
            if (index >= drop) return answer;
            if (answerLost === 'hang') return new Promise<Msg>(() => undefined); // never answered, never times out
            await (timeoutAfter ?? new Promise((resolve) => setTimeout(resolve, opts?.timeout ?? 0)));
            throw new errors.TimeoutError();
          };
        }
        const value = Reflect.get(target, prop) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    return { nc: wrapped as NatsConnection, sent };
  }

  const lastSeq = async (subject: string) => (await jsm.streams.getMessage(JOURNAL_STREAM, { last_by_subj: subject }))?.seq ?? 0;

  it('a timed-out append answered "wrong last sequence" on its resend is found stored (its Nats-Msg-Id) and succeeds', async () => {
    const { nc: lossy } = losingAnswers(1, 'timeout');
    const writer = new JournalWriter(lossy, 300);
    const seq = await writer.append('AAA-USD', '{"v":1,"e":[]}', 0, () => true);
    expect(seq).toBe(await lastSeq('journal.AAA-USD'));
    // Stored once, and the writer carries on from it.
    expect((await jsm.streams.info(JOURNAL_STREAM, { subjects_filter: 'journal.AAA-USD' })).state.subjects).toEqual({ 'journal.AAA-USD': 1 });
    expect(await writer.append('AAA-USD', '{"v":1,"e":[]}', seq, () => true)).toBe(seq + 1);
  });

  it('is fenced when another writer appended after the expected seq', async () => {
    // Our append's lost answer times out only once the other writer has appended on top of it and
    // the 100 ms duplicate window is over, so the resend always finds someone else's batch last and
    // is answered "wrong last sequence", however slow the machine is.
    let otherAppended!: () => void;
    const appendedThenWindowOver = new Promise<void>((resolve) => (otherAppended = resolve)).then(() => new Promise((resolve) => setTimeout(resolve, 250)));
    const { nc: lossy } = losingAnswers(1, 'timeout', appendedThenWindowOver);
    const writer = new JournalWriter(lossy, 300);
    const other = new JournalWriter(nc, 2000);
    const base = await other.append('BBB-USD', '{"v":1,"e":[]}', 0);
    const ours = writer.append('BBB-USD', '{"v":1,"e":[]}', base, () => true);
    await waitFor(async () => ((await lastSeq('journal.BBB-USD')) > base ? true : undefined), { timeoutMs: 5000, description: 'our copy stored' });
    await other.append('BBB-USD', '{"v":1,"e":[]}', await lastSeq('journal.BBB-USD'));
    otherAppended();
    await expect(ours).rejects.toBeInstanceOf(JournalFencedError);
  });

  it('sends an append in flight again as soon as NATS reconnects, instead of waiting for its timeout', async () => {
    // The first answer never comes and never times out: only the resend after the reconnect can finish it.
    // Later requests keep a timeout (15 s) shorter than the test's: one lost in the reconnect (nats.js
    // drops what it had queued when it redials) is retried instead of hanging the test.
    const { nc: lossy, sent } = losingAnswers(1, 'hang');
    const statuses: string[] = [];
    void (async () => {
      for await (const status of nc.status()) statuses.push(`${Date.now() % 100_000} ${status.type}`);
    })().catch(() => undefined);
    const writer = new JournalWriter(lossy, 15_000);
    const appended = writer.append('CCC-USD', '{"v":1,"e":[]}', 0, () => true);
    await waitFor(async () => ((await lastSeq('journal.CCC-USD')) > 0 ? true : undefined), { timeoutMs: 5000, description: 'first copy stored' });
    nc.reconnect();
    // It hung once in a loaded full run (60 s); if it does again, say what the writer sent and what NATS reported.
    let stalled: NodeJS.Timeout | undefined;
    const seq = await Promise.race([
      appended,
      new Promise<never>((_, reject) => {
        stalled = setTimeout(() => reject(new Error(`append not settled after 50 s; requests sent: ${JSON.stringify(sent)}; NATS status events: ${JSON.stringify(statuses)}`)), 50_000);
      }),
    ]).finally(() => clearTimeout(stalled));
    expect(seq).toBe(await lastSeq('journal.CCC-USD'));
    expect(sent.length).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
