import { Kvm, type KV } from '@nats-io/kv';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { lastPerSubject } from '../util/last-per-subject.js';

export const PROGRESS_BUCKET = 'engine_progress';

/**
 * "Events published up to journal seq N", per symbol. It is written on the same connection as the
 * events, after them, so when the server has the watermark it had those events first. After a
 * crash, recovery republishes the events of every journal batch above the watermark: a consumer may
 * see a repeat (identical bytes) but never a gap.
 */
export class PublishWatermarks {
  private readonly dirty = new Map<string, number>();

  private constructor(private readonly kv: KV) {}

  static async open(nc: NatsConnection, replicas: number): Promise<PublishWatermarks> {
    const kv = await new Kvm(nc).create(PROGRESS_BUCKET, { history: 1, replicas });
    return new PublishWatermarks(kv);
  }

  /** Every symbol's watermark in one pass over the bucket's stream (for starting many symbols). */
  async readMany(js: JetStreamClient): Promise<Map<string, number>> {
    const prefix = `$KV.${PROGRESS_BUCKET}.`;
    const out = new Map<string, number>();
    for (const [subject, msg] of await lastPerSubject(js, `KV_${PROGRESS_BUCKET}`, `${prefix}>`)) {
      const value = Number(new TextDecoder().decode(msg.data));
      if (Number.isSafeInteger(value) && value >= 0) out.set(subject.slice(prefix.length), value);
    }
    return out;
  }

  async read(symbol: string): Promise<number> {
    const entry = await this.kv.get(symbol);
    if (!entry || entry.operation !== 'PUT') return 0;
    const value = Number(entry.string());
    return Number.isSafeInteger(value) && value >= 0 ? value : 0;
  }

  /** Records progress in memory; `flush` writes it out (every PROGRESS_INTERVAL_MS). */
  note(symbol: string, journalSeq: number): void {
    this.dirty.set(symbol, journalSeq);
  }

  /**
   * Writes at most `maxKeys` watermarks, oldest first, so that an instance with thousands of busy
   * symbols does not turn every interval into thousands of KV writes; the rest wait their turn
   * (a staler watermark only means a few more repeats after a crash).
   */
  async flush(maxKeys = 256): Promise<void> {
    if (this.dirty.size === 0) return;
    const pending: [string, number][] = [];
    for (const entry of this.dirty) {
      pending.push(entry);
      if (pending.length >= maxKeys) break;
    }
    for (const [symbol] of pending) this.dirty.delete(symbol);
    await Promise.all(pending.map(([symbol, seq]) => this.kv.put(symbol, String(seq))));
  }

  forget(symbol: string): void {
    this.dirty.delete(symbol);
  }
}
