import { Kvm, type KV } from '@nats-io/kv';
import type { JetStreamClient, StoredMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { lastPerSubject } from '../util/last-per-subject.js';
import { quickManager, readWithRetry, RECOVERY_READ_ATTEMPT_MS, type RecoveryReadOptions, type RecoveryReadStats } from '../sequencer/recovery-read.js';

export const PROGRESS_BUCKET = 'engine_progress';

export interface PublishWatermarksOptions extends RecoveryReadOptions {
  /**
   * Wraps each attempt of `read` (tests make it fail or hang the first N times). `attempt` is the
   * real STREAM.MSG.GET of the key: its newest message, or null when the leader says it has none.
   */
  readonly wrapRead?: (symbol: string, attempt: () => Promise<StoredMsg | null>) => Promise<StoredMsg | null>;
}

/**
 * "Events published up to journal seq N", per symbol. It is written on the same connection as the
 * events, after them, so when the server has the watermark it had those events first. After a
 * crash, recovery republishes the events of every journal batch above the watermark: a consumer may
 * see a repeat (identical bytes) but never a gap.
 */
export class PublishWatermarks {
  private readonly dirty = new Map<string, number>();
  /** Failed attempts of `read` (each retried within the budget, see recovery-read.ts). */
  readonly readStats: RecoveryReadStats = { failedAttempts: 0 };

  private constructor(
    private readonly nc: NatsConnection,
    private readonly kv: KV,
    private readonly options: PublishWatermarksOptions,
  ) {}

  static async open(nc: NatsConnection, replicas: number, options: PublishWatermarksOptions = {}): Promise<PublishWatermarks> {
    const kv = await new Kvm(nc).create(PROGRESS_BUCKET, { history: 1, replicas });
    return new PublishWatermarks(nc, kv, options);
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

  /**
   * The symbol's watermark, 0 when the bucket's leader says the key has none (or it was deleted).
   * Read from the stream's leader (STREAM.MSG.GET of the key's subject, as a KV get without direct
   * get does) with a short timeout per attempt and quick retries (recovery-read.ts), so a leader
   * election costs about its own length. No answer within the budget rejects (RecoveryReadError).
   */
  async read(symbol: string): Promise<number> {
    const attemptMs = this.options.attemptTimeoutMs ?? RECOVERY_READ_ATTEMPT_MS;
    const get = async (): Promise<StoredMsg | null> => {
      const quick = await quickManager(this.nc, attemptMs);
      // nats.js turns the leader's "no message found" (10037) into null; everything else throws.
      return quick.streams.getMessage(`KV_${PROGRESS_BUCKET}`, { last_by_subj: `$KV.${PROGRESS_BUCKET}.${symbol}` });
    };
    const wrap = this.options.wrapRead;
    const msg = await readWithRetry(`published watermark of ${symbol}`, wrap ? () => wrap(symbol, get) : get, this.options, this.readStats);
    if (!msg) return 0;
    const operation = msg.header?.get('KV-Operation');
    if (operation === 'DEL' || operation === 'PURGE') return 0;
    const value = Number(new TextDecoder().decode(msg.data));
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
