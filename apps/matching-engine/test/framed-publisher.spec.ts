import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { NatsServer, waitFor } from '@trading/testing';
import { FrameArena, FrameRun } from '../src/nats/frame-arena.js';
import { FramedPublisher } from '../src/nats/framed-publisher.js';

/**
 * FramedPublisher on a real nats-server: what a subscriber receives (subjects, bytes, order) is
 * exactly what was published, for ASCII and non-ASCII payloads, payloads bigger than a chunk's
 * share and above the large-payload limit, and runs that span several chunks.
 */
describe('FramedPublisher', () => {
  let nats: NatsServer;
  let pub: NatsConnection;
  let sub: NatsConnection;

  beforeAll(async () => {
    nats = await NatsServer.start();
    pub = await connect({ servers: nats.url });
    sub = await connect({ servers: nats.url });
  });

  afterAll(async () => {
    await pub?.close();
    await sub?.close();
    await nats?.dispose();
  });

  async function collect(prefix: string, expected: number, run: (p: FramedPublisher) => void): Promise<Msg[]> {
    const got: Msg[] = [];
    sub.subscribe(`${prefix}.>`, { callback: (_err, msg) => got.push(msg) });
    await sub.flush();
    const publisher = new FramedPublisher(pub);
    expect(publisher.framing).toBe(true);
    run(publisher);
    await waitFor(() => got.length >= expected, { timeoutMs: 5_000 });
    return got;
  }

  it('delivers every message of a run with its subject and exact bytes, in order', async () => {
    const sent: Array<[string, string]> = [
      ['t1.order.alice.BTC-USD', '{"type":"OrderUpdate","seq":1}'],
      ['t1.book.BTC-USD', '{"type":"OrderBookUpdate","bids":[["100.00","1.0000"]]}'],
      ['t1._INBOX.abc.7', '{"ok":true}'],
      ['t1.unicode', '{"message":"prix \u00e9lev\u00e9 \u20ac \ud83d\ude80"}'],
      ['t1.empty', ''],
      // Subjects: non-ASCII (the UTF-8 writer) and longer than the ASCII loop takes.
      ['t1.sujet.\u00e9t\u00e9', '{"subject":"utf-8"}'],
      [`t1.long.${'s'.repeat(200)}`, '{"subject":"long"}'],
      ['t1.after', '{"seq":2}'],
    ];
    const got = await collect('t1', sent.length, (p) => {
      for (const [subject, payload] of sent) p.publish(subject, payload);
      p.flush();
    });
    expect(got.map((m) => [m.subject, m.string()])).toEqual(sent);
    expect(got[3]!.data).toEqual(new Uint8Array(Buffer.from(sent[3]![1])));
  });

  it('keeps order across chunk boundaries and around large payloads that take the plain publish path', async () => {
    const big = JSON.stringify({ levels: 'x'.repeat(100 * 1024) });
    const sent: Array<[string, string]> = [];
    for (let i = 0; i < 12_000; i++) {
      sent.push([`t2.m.${i % 7}`, JSON.stringify({ i, pad: 'y'.repeat(i % 200) })]);
      if (i === 5_000) sent.push(['t2.big', big]);
      // Header lengths across digit boundaries, up to the largest framed payload (64 KiB).
      if (i === 7_000) for (const n of [9, 10, 99, 100, 999, 1000, 9999, 10_000, 65_536]) sent.push([`t2.len.${n}`, 'z'.repeat(n)]);
    }
    const got = await collect('t2', sent.length, (p) => {
      for (const [subject, payload] of sent) p.publish(subject, payload);
      p.flush();
    });
    expect(got).toHaveLength(sent.length);
    const mismatch = got.findIndex((m, i) => m.subject !== sent[i]![0] || m.string() !== sent[i]![1]);
    expect(mismatch).toBe(-1);
  });

  it('sends nothing before flush when the run fits a chunk; flush with nothing written is a no-op', async () => {
    const got: Msg[] = [];
    sub.subscribe('t3.>', { callback: (_err, msg) => got.push(msg) });
    await sub.flush();
    const publisher = new FramedPublisher(pub);
    publisher.flush();
    publisher.publish('t3.a', '{"a":1}');
    await pub.flush();
    await sub.flush();
    expect(got).toHaveLength(0);
    publisher.flush();
    await waitFor(() => got.length === 1, { timeoutMs: 5_000 });
    expect(got[0]!.string()).toBe('{"a":1}');
  });

  it('frames written ahead by a FrameArena (runs interleaved, across chunks, large payloads kept as messages) arrive run by run with their exact bytes', async () => {
    const arena = new FrameArena();
    const runs = [new FrameRun(), new FrameRun(), new FrameRun()];
    const expected: Array<Array<[string, string]>> = [[], [], []];
    const big = JSON.stringify({ levels: 'x'.repeat(70 * 1024) });
    for (let i = 0; i < 9_000; i++) {
      const r = (i * 7) % 3 === 0 ? 0 : i % 5 < 3 ? 1 : 2;
      const msg: [string, string] = i === 4_000 ? [`t4.${r}.big`, big] : [`t4.${r}.m${i % 11}`, JSON.stringify({ i, text: i % 13 === 0 ? 'prix \u00e9lev\u00e9 \u20ac \ud83d\ude80' : 'y'.repeat(i % 300) })];
      arena.add(runs[r]!, msg[0], msg[1]);
      expected[r]!.push(msg);
    }
    for (const run of runs) arena.cut(run);
    // Run 1 has frames from several chunks, and the big payload as a plain message in between.
    expect(runs[1]!.parts.some((p) => !(p instanceof Uint8Array)) || runs[0]!.parts.some((p) => !(p instanceof Uint8Array)) || runs[2]!.parts.some((p) => !(p instanceof Uint8Array))).toBe(true);
    const total = expected.reduce((a, e) => a + e.length, 0) + 1;
    const got = await collect('t4', total, (p) => {
      for (const r of [2, 0, 1]) {
        for (const part of runs[r]!.parts) {
          if (part instanceof Uint8Array) p.sendFrames(part);
          else p.publish(part.subject, part.payload);
        }
      }
      p.publish('t4.after', '{"last":true}');
      p.flush();
    });
    const want = [...expected[2]!, ...expected[0]!, ...expected[1]!, ['t4.after', '{"last":true}']];
    expect(got).toHaveLength(want.length);
    const mismatch = got.findIndex((m, i) => m.subject !== want[i]![0] || m.string() !== want[i]![1]);
    expect(mismatch).toBe(-1);
    const unicode = got.find((m) => m.string().includes('\u20ac'))!;
    expect(unicode.data).toEqual(new Uint8Array(Buffer.from(unicode.string())));
  });
});
