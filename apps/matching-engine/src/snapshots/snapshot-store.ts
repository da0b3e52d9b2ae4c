import { randomUUID } from 'node:crypto';
import { DeliverPolicy, JetStreamApiError, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type StoredMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { SymbolEngineState } from '@trading/order-book';
import { lastPerSubject } from '../util/last-per-subject.js';
import { quickManager, readWithRetry, RECOVERY_READ_ATTEMPT_MS, type RecoveryReadOptions, type RecoveryReadStats } from '../sequencer/recovery-read.js';

export const SNAPSHOT_STREAM = 'ENGINE_SNAPSHOTS';
const HEAD_PREFIX = 'snapshots.head.';
const CHUNK_PREFIX = 'snapshots.chunk.';
const SNAPSHOT_FORMAT_VERSION = 1;
/** Inline up to this size; bigger states go in chunks (NATS max_payload is 1 MiB by default). */
const CHUNK_BYTES = 900 * 1024;

/** A symbol's full state and the journal position it covers: state = this + journal after journalSeq. */
export interface StoredSnapshot {
  readonly v: 1;
  readonly symbol: string;
  /** Stream seq of the last journal batch already applied to `state`. */
  readonly journalSeq: number;
  readonly savedAt: number;
  readonly state: SymbolEngineState;
}

/** What `snapshots.head.{symbol}` holds: the snapshot itself, or where its chunks are. */
interface SnapshotHead {
  readonly v: 1;
  readonly symbol: string;
  readonly journalSeq: number;
  readonly savedAt: number;
  readonly chunks: number;
  readonly id?: string;
  readonly state?: SymbolEngineState;
}

export interface SnapshotStoreOptions extends RecoveryReadOptions {
  /**
   * Wraps each attempt of `load`'s head read (tests make it fail or hang the first N times).
   * `attempt` is the real STREAM.MSG.GET: the head, or null when the leader says there is none.
   */
  readonly wrapHeadRead?: (symbol: string, attempt: () => Promise<StoredMsg | null>) => Promise<StoredMsg | null>;
}

export class SnapshotCorruptError extends Error {
  readonly code = 'SNAPSHOT_CORRUPT';
  constructor(
    readonly symbol: string,
    reason: string,
  ) {
    super(`snapshot of ${symbol} is unreadable: ${reason}`);
    this.name = 'SnapshotCorruptError';
  }
}

/**
 * Snapshots in a JetStream stream that keeps one message per subject: the newest head of each
 * symbol on `snapshots.head.{symbol}`. A small state (the usual case) is inline in its head; a big
 * one (a book of a million orders) is written first as chunks on
 * `snapshots.chunk.{symbol}.{id}.{n}`, then its head, then the previous chunks are purged, so a
 * crash mid-save leaves the previous snapshot intact. Starting thousands of symbols reads every
 * head with one consumer (`loadMany`) instead of a request per symbol.
 */
export class SnapshotStore {
  private readonly chunkIds = new Map<string, string | undefined>();
  /** Failed attempts of `load`'s head read (each retried within the budget, see recovery-read.ts). */
  readonly readStats: RecoveryReadStats = { failedAttempts: 0 };

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly options: SnapshotStoreOptions,
  ) {}

  static async open(nc: NatsConnection, replicas: number, options: SnapshotStoreOptions = {}): Promise<SnapshotStore> {
    const jsm = await jetstreamManager(nc);
    try {
      await jsm.streams.info(SNAPSHOT_STREAM);
    } catch (err) {
      if (!(err instanceof JetStreamApiError) || err.code !== 10059) throw err;
      await jsm.streams.add({
        name: SNAPSHOT_STREAM,
        subjects: ['snapshots.>'],
        storage: 'file' as never,
        num_replicas: replicas,
        max_msgs_per_subject: 1,
      });
    }
    return new SnapshotStore(nc, jetstream(nc), jsm, options);
  }

  async save(symbol: string, journalSeq: number, stateJson: string): Promise<void> {
    const meta = `"v":${SNAPSHOT_FORMAT_VERSION},"symbol":${JSON.stringify(symbol)},"journalSeq":${journalSeq},"savedAt":${Date.now()}`;
    const previous = this.chunkIds.has(symbol) ? this.chunkIds.get(symbol) : await this.currentChunkId(symbol);
    const bytes = new TextEncoder().encode(stateJson);
    if (bytes.length <= CHUNK_BYTES) {
      await this.js.publish(`${HEAD_PREFIX}${symbol}`, `{${meta},"chunks":0,"state":${stateJson}}`);
      this.chunkIds.set(symbol, undefined);
    } else {
      const id = randomUUID().replace(/-/g, '');
      let n = 0;
      for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES, n++) {
        await this.js.publish(`${CHUNK_PREFIX}${symbol}.${id}.${n}`, bytes.subarray(offset, offset + CHUNK_BYTES));
      }
      await this.js.publish(`${HEAD_PREFIX}${symbol}`, `{${meta},"chunks":${n},"id":"${id}"}`);
      this.chunkIds.set(symbol, id);
    }
    if (previous) await this.jsm.streams.purge(SNAPSHOT_STREAM, { filter: `${CHUNK_PREFIX}${symbol}.${previous}.>` });
  }

  /**
   * The newest snapshot of `symbol`, or undefined when the stream's leader says it has none. The
   * head is asked for with a short timeout per attempt and quick retries (recovery-read.ts), so a
   * leader election of ENGINE_SNAPSHOTS costs about its own length instead of 5 s per try. No
   * answer within the budget rejects (RecoveryReadError): taking it for "no snapshot" would rebuild
   * the symbol from an empty book plus whatever journal is left, losing what the snapshot covers.
   */
  async load(symbol: string): Promise<StoredSnapshot | undefined> {
    const attemptMs = this.options.attemptTimeoutMs ?? RECOVERY_READ_ATTEMPT_MS;
    const get = async (): Promise<StoredMsg | null> => {
      const quick = await quickManager(this.nc, attemptMs);
      // nats.js turns the leader's "no message found" (10037) into null; everything else throws.
      return quick.streams.getMessage(SNAPSHOT_STREAM, { last_by_subj: `${HEAD_PREFIX}${symbol}` });
    };
    const wrap = this.options.wrapHeadRead;
    const msg = await readWithRetry(`snapshot head of ${symbol}`, wrap ? () => wrap(symbol, get) : get, this.options, this.readStats);
    if (!msg) return undefined;
    return this.fromHead(symbol, msg.data);
  }

  /** Snapshots of many symbols at once (one consumer over every head); absent ones are missing from the map. */
  async loadMany(symbols: Iterable<string>): Promise<Map<string, StoredSnapshot>> {
    const wanted = new Set(symbols);
    const heads = await lastPerSubject(this.js, SNAPSHOT_STREAM, `${HEAD_PREFIX}>`);
    const out = new Map<string, StoredSnapshot>();
    for (const [subject, msg] of heads) {
      const symbol = subject.slice(HEAD_PREFIX.length);
      if (wanted.has(symbol)) out.set(symbol, await this.fromHead(symbol, msg.data));
    }
    return out;
  }

  private async currentChunkId(symbol: string): Promise<string | undefined> {
    try {
      const msg = await this.jsm.streams.getMessage(SNAPSHOT_STREAM, { last_by_subj: `${HEAD_PREFIX}${symbol}` });
      return msg ? this.parseHead(symbol, msg.data).id : undefined;
    } catch {
      return undefined;
    }
  }

  private parseHead(symbol: string, data: Uint8Array): SnapshotHead {
    let head: SnapshotHead;
    try {
      head = JSON.parse(new TextDecoder().decode(data)) as SnapshotHead;
    } catch {
      throw new SnapshotCorruptError(symbol, 'head is not JSON');
    }
    if (head.v !== SNAPSHOT_FORMAT_VERSION || head.symbol !== symbol || typeof head.journalSeq !== 'number' || typeof head.chunks !== 'number') {
      throw new SnapshotCorruptError(symbol, 'unexpected version, symbol, journalSeq or chunks');
    }
    return head;
  }

  private async fromHead(symbol: string, data: Uint8Array): Promise<StoredSnapshot> {
    const head = this.parseHead(symbol, data);
    this.chunkIds.set(symbol, head.id);
    if (head.chunks === 0) {
      if (typeof head.state !== 'object' || head.state === null) throw new SnapshotCorruptError(symbol, 'inline state missing');
      return { v: 1, symbol, journalSeq: head.journalSeq, savedAt: head.savedAt, state: head.state };
    }
    const state = JSON.parse(new TextDecoder().decode(await this.readChunks(symbol, head))) as SymbolEngineState;
    return { v: 1, symbol, journalSeq: head.journalSeq, savedAt: head.savedAt, state };
  }

  private async readChunks(symbol: string, head: SnapshotHead): Promise<Uint8Array> {
    const consumer = await this.js.consumers.get(SNAPSHOT_STREAM, {
      filter_subjects: `${CHUNK_PREFIX}${symbol}.${head.id}.>`,
      deliver_policy: DeliverPolicy.All,
    });
    // Never wait for chunks that are not there (purged or never written): that is a corrupt snapshot.
    const available = (await consumer.info(true)).num_pending;
    if (available < head.chunks) throw new SnapshotCorruptError(symbol, `${available} of ${head.chunks} chunks present`);
    const parts: Uint8Array[] = [];
    const messages = await consumer.consume({ max_messages: 16 });
    try {
      for await (const msg of messages) {
        if (msg.subject !== `${CHUNK_PREFIX}${symbol}.${head.id}.${parts.length}`) throw new SnapshotCorruptError(symbol, `chunk ${msg.subject} out of order`);
        parts.push(msg.data);
        if (parts.length === head.chunks) break;
      }
    } finally {
      await messages.close();
    }
    const total = parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(total);
    let offset = 0;
    for (const p of parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return out;
  }
}
