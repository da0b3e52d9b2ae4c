import type { NatsConnection } from '@nats-io/nats-core';

/**
 * What the engine published, seen by a plain NATS subscriber that is never killed: per subject, the
 * seqs in arrival order and the bytes of each seq (to prove a repeat is byte-identical).
 */
export class GroundTruth {
  readonly seqs = new Map<string, number[]>();
  readonly bytes = new Map<string, string>();
  /** A seq seen again with different bytes: the contract allows repeats only with identical bytes. */
  readonly conflicting: string[] = [];
  /** When each `subject#seq` first arrived (ms epoch). */
  readonly arrivals = new Map<string, number>();

  constructor(nc: NatsConnection, ...patterns: string[]) {
    for (const pattern of patterns) this.record(nc, pattern);
  }

  private record(nc: NatsConnection, pattern: string): void {
    nc.subscribe(pattern, {
      callback: (_err, msg) => {
        const text = msg.string();
        const seq = (JSON.parse(text) as { seq: number }).seq;
        const list = this.seqs.get(msg.subject) ?? [];
        list.push(seq);
        this.seqs.set(msg.subject, list);
        const k = `${msg.subject}#${seq}`;
        if (!this.arrivals.has(k)) this.arrivals.set(k, Date.now());
        const before = this.bytes.get(k);
        if (before !== undefined && before !== text) this.conflicting.push(k);
        this.bytes.set(k, text);
      },
    });
  }

  last(subject: string): number {
    return Math.max(0, ...(this.seqs.get(subject) ?? []));
  }

  /** seqs 1..last all present (repeats allowed): no gap in what the engine published. */
  missing(subject: string): number[] {
    const seen = new Set(this.seqs.get(subject) ?? []);
    const out: number[] = [];
    for (let s = 1; s <= this.last(subject); s++) if (!seen.has(s)) out.push(s);
    return out;
  }
}
