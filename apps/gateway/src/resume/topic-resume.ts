import { ClientErrorCode } from '@trading/contracts';
import type { GatewayContext } from '../gateway-context.js';
import { eventSeq } from './event-seq.js';
import type { ResumeStart, StoredEvent } from './stream-history.js';

/** Largest replay one subscription may ask for; beyond it the answer is RESUME_UNAVAILABLE. */
export const RESUME_MAX_EVENTS = 10_000;
/** Extra read passes at the switch to live when the live buffer does not join up with the replay. */
const MAX_CATCH_UP_PASSES = 3;

/** What a resume needs from the connection it runs for. */
export interface ResumeHost {
  /** False once the connection closed or no longer wants the topic: the resume stops quietly. */
  wants(topic: string): boolean;
  /** Sends one event's bytes; false when the connection is being closed (slow consumer). */
  sendEvent(data: Uint8Array): boolean;
  /** Puts the socket on the uWS topic (live from here on). Called synchronously after the last buffered event. */
  goLive(topic: string): void;
  /** Resume possible: acknowledge the subscription before the replayed events. */
  acknowledge(): void;
  /** Resume impossible: error frame instead of the acknowledgement (the subscription continues live). */
  refuse(code: ClientErrorCode, message: string): void;
}

interface Buffered {
  subject: string;
  data: Uint8Array;
}

/**
 * Resume of one uWS topic from per-subject seqs (`points`: NATS subject -> last seq the client has).
 * The connection already holds NATS interest in the topic but is not on it yet:
 * 1. tap the live messages into a buffer and wait until the server has the subscription (whenLive);
 * 2. find where each subject's replay starts (RESUME_UNAVAILABLE if any point is out of the window);
 * 3. acknowledge, then send every retained event with seq > point, in stream order;
 * 4. in one synchronous step: send the buffered live events not yet delivered (dedupe by seq), then
 *    join the topic. Nothing can arrive in between (NATS callbacks run on this same thread), so
 *    there is no gap and no duplicate at the switch.
 */
export async function resumeTopic(ctx: GatewayContext, host: ResumeHost, topic: string, points: Map<string, number>): Promise<void> {
  const buffer: Buffered[] = [];
  const untap = ctx.interest.tap(topic, (subject, data) => buffer.push({ subject, data: data.slice() }));
  try {
    const delivered = new Map(points);
    const positions = new Map<string, number>();
    let starts: [string, ResumeStart][];
    try {
      // The NATS subscription is in effect on the server (its SUB is sent with the turn's batch and confirmed by a flush).
      await withTimeout(ctx.interest.whenLive(topic), ctx.config.natsRequestTimeoutMs);
      starts = await Promise.all([...points].map(async ([subject, after]) => [subject, await ctx.history.findStart(subject, after)] as [string, ResumeStart]));
    } catch (err) {
      ctx.log.warn({ err, topic }, 'resume: event history not readable');
      starts = [...points.keys()].map((subject) => [subject, { kind: 'unavailable', reason: 'event history not reachable' }]);
    }
    if (!host.wants(topic)) return;
    const unavailable = starts.filter(([, start]) => start.kind === 'unavailable');
    if (unavailable.length > 0) {
      ctx.metrics.resumes.labels('unavailable').inc();
      const detail = unavailable.map(([subject, start]) => `${subject.slice(subject.lastIndexOf('.') + 1)} after ${points.get(subject)} (${(start as { reason: string }).reason})`);
      host.refuse(ClientErrorCode.RESUME_UNAVAILABLE, `cannot replay ${detail.join(', ')}; the subscription continues live from now`);
      delivered.clear();
    } else {
      ctx.metrics.resumes.labels(starts.some(([, s]) => s.kind === 'replay') ? 'replayed' : 'up_to_date').inc();
      host.acknowledge();
      for (const [subject, start] of starts) if (start.kind === 'replay') positions.set(subject, start.streamSeq);
      for (let pass = 0; pass <= MAX_CATCH_UP_PASSES; pass++) {
        for (const [subject, from] of positions) {
          const next = await replaySubject(ctx, host, topic, subject, from, delivered);
          if (next === undefined) return; // connection gone
          positions.set(subject, next);
        }
        // Does the live buffer join up with what was replayed? If not, read the stream again.
        const behind = [...delivered].filter(([subject, seq]) => {
          const first = buffer.find((b) => b.subject === subject);
          const firstSeq = first ? eventSeq(first.data) : undefined;
          return firstSeq !== undefined && firstSeq > seq + 1;
        });
        if (behind.length === 0) break;
        for (const [subject] of behind) if (!positions.has(subject)) positions.set(subject, 1);
      }
    }
    if (!host.wants(topic)) return;
    for (const { subject, data } of buffer) {
      const seq = eventSeq(data);
      const last = delivered.get(subject);
      if (last !== undefined && seq !== undefined) {
        if (seq <= last) continue;
        delivered.set(subject, seq);
      }
      if (!host.sendEvent(data)) return;
    }
    host.goLive(topic);
  } finally {
    untap();
  }
}

/** Sends the retained events of `subject` from stream position `from`; returns the next position (undefined: stop). */
async function replaySubject(ctx: GatewayContext, host: ResumeHost, topic: string, subject: string, from: number, delivered: Map<string, number>): Promise<number | undefined> {
  let position = from;
  for (;;) {
    let event: StoredEvent | undefined;
    try {
      event = await ctx.history.read(subject, position);
    } catch (err) {
      ctx.log.warn({ err, subject }, 'resume: replay read failed; continuing live');
      return position;
    }
    if (!host.wants(topic)) return undefined;
    if (!event) return position;
    position = event.streamSeq + 1;
    const last = delivered.get(subject) ?? 0;
    if (event.seq <= last) continue; // a repeat after an engine crash, or already delivered
    if (!host.sendEvent(event.data)) return undefined;
    ctx.metrics.resumeEvents.inc();
    delivered.set(subject, event.seq);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
