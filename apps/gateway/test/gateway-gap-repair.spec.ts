import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { NatsServer, waitFor } from '@trading/testing';
import { pino } from 'pino';
import type { TemplatedApp } from 'uWebSockets.js';
import { GatewayMetrics } from '../src/admin/gateway-metrics.js';
import type { NatsLink } from '../src/nats/nats-link.js';
import type { ResumeStart, StoredEvent, StreamHistory } from '../src/resume/stream-history.js';
import { SubjectInterest } from '../src/subscriptions/subject-interest.js';
import { TopicPublisher } from '../src/subscriptions/topic-publisher.js';

/**
 * A live seq jump on a pass-through subject (events lost between the engine and this replica, e.g.
 * written by the engine into a NATS node that died before routing them) is repaired from the
 * retention stream before anything newer goes out. Live delivery is a real nats-server; the
 * retention stream is a stand-in the test fills, so that an event can be "stored but never
 * delivered live" and can appear late (the engine resends after its own reconnect). Reading the
 * real retention stream is covered by gateway-catch-up.spec.ts and gateway-resume.spec.ts.
 */
class RetentionStandIn {
  private readonly events: { subject: string; seq: number; data: Uint8Array; streamSeq: number }[] = [];
  reads = 0;
  store(subject: string, seq: number): void {
    this.events.push({ subject, seq, data: frame(subject, seq), streamSeq: this.events.length + 1 });
  }
  async findStart(subject: string, afterSeq: number): Promise<ResumeStart> {
    this.reads++;
    const mine = this.events.filter((e) => e.subject === subject && e.seq > afterSeq);
    if (mine.length === 0) return { kind: 'up-to-date' };
    return { kind: 'replay', streamSeq: mine[0].streamSeq, lastSeq: Math.max(...mine.map((e) => e.seq)) };
  }
  async read(subject: string, from: number): Promise<StoredEvent | undefined> {
    this.reads++;
    return this.events.find((e) => e.subject === subject && e.streamSeq >= from);
  }
}

const SUBJECT = 'trading.order.alice.BTC-USD';
const frame = (subject: string, seq: number) => new Uint8Array(Buffer.from(JSON.stringify({ type: 'OrderUpdate', symbol: 'BTC-USD', seq, ts: 1, subject })));
const seqOf = (text: string) => (JSON.parse(text) as { seq: number }).seq;

describe('gateway: a live seq jump is repaired from the retention stream', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let engine: NatsConnection;
  let interest: SubjectInterest | undefined;

  beforeAll(async () => {
    nats = await NatsServer.start({ jetstream: false });
    nc = await connect({ servers: nats.url });
    engine = await connect({ servers: nats.url });
  });
  afterEach(() => {
    interest?.release(SUBJECT);
    interest = undefined;
  });
  afterAll(async () => {
    await engine?.close();
    await nc?.close();
    await nats?.dispose();
  });

  function start(waitMs: number) {
    const metrics = new GatewayMetrics();
    const sent: number[] = [];
    const app = {
      numSubscribers: () => 1,
      publish: (_topic: string, data: Uint8Array | string) => {
        sent.push(seqOf(typeof data === 'string' ? data : Buffer.from(data).toString()));
        return true;
      },
    } as unknown as TemplatedApp;
    const publisher = new TopicPublisher(app, metrics, () => undefined);
    const history = new RetentionStandIn();
    interest = new SubjectInterest({ nc } as unknown as NatsLink, publisher, metrics, pino({ level: 'silent' }), () => undefined, history as unknown as StreamHistory, waitMs);
    interest.acquire(SUBJECT, 'order');
    const repairs = async (result: string) => (await metrics.gapRepairs.get()).values.find((v) => v.labels.result === result)?.value ?? 0;
    return { sent, history, repairs, live: () => interest!.whenLive(SUBJECT) };
  }
  const publishLive = async (...seqs: number[]) => {
    for (const seq of seqs) engine.publish(SUBJECT, frame(SUBJECT, seq));
    await engine.flush();
  };

  it('fills the missing seqs from the stream, in order, before the event that jumped and what follows it', async () => {
    const { sent, history, repairs, live } = start(3000);
    await live();
    for (const seq of [1, 2, 3, 4, 5, 6]) history.store(SUBJECT, seq);
    await publishLive(1, 2);
    await waitFor(() => sent.length === 2, { description: 'seqs 1-2 live' });
    await publishLive(5, 6); // 3 and 4 were lost on the way here, but the stream has them
    await waitFor(() => sent.length === 6, { description: 'seqs 3-6' });
    expect(sent).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await repairs('repaired')).toBe(1);
    expect(await repairs('unrepaired')).toBe(0);
  });

  it('holds newer live events while the missing ones are not stored yet, and sends them once they are', async () => {
    const { sent, history, repairs, live } = start(5000);
    await live();
    history.store(SUBJECT, 1);
    history.store(SUBJECT, 2);
    await publishLive(1, 2);
    await waitFor(() => sent.length === 2, { description: 'seqs 1-2 live' });
    await publishLive(4, 5);
    const readsBefore = history.reads;
    await waitFor(() => history.reads > readsBefore + 2, { description: 'the repair polls the stream' });
    expect(sent).toEqual([1, 2]); // 4 and 5 are held: nothing after a hole goes out
    history.store(SUBJECT, 3); // the engine's resend reaches the stream late
    await waitFor(() => sent.length === 5, { description: 'seqs 3-5 after the late store' });
    await publishLive(6);
    await waitFor(() => sent.length === 6, { description: 'direct forwarding again' });
    expect(sent).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await repairs('repaired')).toBe(1);
  });

  it('forwards the jump as a gap once the wait is over when the stream cannot fill it, then goes on', async () => {
    const { sent, repairs, live } = start(300);
    await live();
    await publishLive(1, 2, 7, 8);
    await waitFor(() => sent.length === 4, { description: 'all four, the jump included' });
    expect(sent).toEqual([1, 2, 7, 8]);
    expect(await repairs('unrepaired')).toBe(1);
    await publishLive(9);
    await waitFor(() => sent.length === 5, { description: 'direct forwarding again' });
    expect(sent[4]).toBe(9);
  });

  it('uses missing events that arrive live after the one that jumped (the engine resending its last second), dropping repeats', async () => {
    const { sent, repairs, live } = start(5000);
    await live();
    await publishLive(1, 2);
    await waitFor(() => sent.length === 2, { description: 'seqs 1-2 live' });
    await publishLive(5, 2, 3, 4, 6); // 5 overtook the resend of 2-4; the stream has nothing yet
    await waitFor(() => sent.length === 6, { description: 'seqs 3-6' });
    expect(sent).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await repairs('repaired')).toBe(1);
    expect(await repairs('unrepaired')).toBe(0);
  });
});
