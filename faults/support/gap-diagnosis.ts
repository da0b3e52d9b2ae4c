import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { GroundTruth } from './ground-truth.js';
import type { OrderWatcher } from './stack.js';

/**
 * For each gap an SDK client reported: which seqs it missed on which subject, whether a NATS
 * subscriber on a surviving node saw them (and when, relative to the fault), and whether the
 * retention stream holds them. Tells "never left the dying node" from "not captured by the stream"
 * from "the gateway did not forward what was there".
 */
export async function diagnoseGaps(nc: NatsConnection, truth: GroundTruth, watchers: OrderWatcher[], faultAt: number): Promise<unknown[]> {
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  const out: unknown[] = [];
  for (const w of watchers) {
    for (let i = 0; i < w.gaps.length; i++) {
      const gap = w.gaps[i];
      const subject = `trading.order.${w.userId}.${gap.symbol}`;
      const stored = new Map<number, number>(); // event seq -> stream seq
      for (let pos = 1; ; ) {
        const msg = await jsm.direct.getMessage('TRADING_EVENTS_PRIVATE', { next_by_subj: subject, seq: pos });
        if (!msg) break;
        const seq = (JSON.parse(new TextDecoder().decode(msg.data)) as { seq: number }).seq;
        if (!stored.has(seq)) stored.set(seq, msg.seq);
        pos = msg.seq + 1;
      }
      const missed: unknown[] = [];
      const to = gap.received ?? gap.expected;
      for (let seq = gap.expected; seq < to; seq++) {
        const arrived = truth.arrivals.get(`${subject}#${seq}`);
        missed.push({ seq, groundTruthMsAfterFault: arrived === undefined ? null : arrived - faultAt, streamSeq: stored.get(seq) ?? null });
      }
      const around = (seq: number) => {
        const arrived = truth.arrivals.get(`${subject}#${seq}`);
        return arrived === undefined ? null : arrived - faultAt;
      };
      out.push({
        user: w.userId,
        subject,
        gap,
        reportedMsAfterFault: w.gapTimes[i] - faultAt,
        missed,
        prevArrivedMsAfterFault: around(gap.expected - 1),
        receivedArrivedMsAfterFault: gap.received === undefined ? null : around(gap.received),
        delivered: w.delivered.get(gap.symbol)?.slice(-30),
        streamSeqsAround: [...stored].filter(([seq]) => seq >= gap.expected - 3 && seq <= to + 3),
      });
    }
  }
  return out;
}

/** Log lines (pino JSON) that mention NATS connectivity, catch-up or leases, with times relative to the fault. */
export function connectivityLines(logs: string, faultAt: number, pattern = /NATS|catch|lease|leader|no responders/i): string[] {
  const lines: string[] = [];
  for (const line of logs.split('\n')) {
    if (!pattern.test(line)) continue;
    const time = /"time":(\d+)/.exec(line);
    lines.push(time ? `${Number(time[1]) - faultAt} ms: ${line.slice(0, 400)}` : line.slice(0, 400));
  }
  return lines.slice(-60);
}
