import { Objm, type ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import type { SymbolEngineState } from '@trading/order-book';

export const SNAPSHOT_BUCKET = 'engine_snapshots';
const SNAPSHOT_FORMAT_VERSION = 1;

/** A symbol's full state and the journal position it covers: state = this + journal after journalSeq. */
export interface StoredSnapshot {
  readonly v: 1;
  readonly symbol: string;
  /** Stream seq of the last journal batch already applied to `state`. */
  readonly journalSeq: number;
  readonly savedAt: number;
  readonly state: SymbolEngineState;
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
 * Snapshots live in a JetStream object store (one object per symbol, replaced on each save): a
 * book with a million orders is far above NATS's max_payload, and the object store chunks it.
 */
export class SnapshotStore {
  private constructor(private readonly store: ObjectStore) {}

  static async open(nc: NatsConnection, replicas: number): Promise<SnapshotStore> {
    const store = await new Objm(nc).create(SNAPSHOT_BUCKET, { storage: 'file' as never, replicas });
    return new SnapshotStore(store);
  }

  async save(symbol: string, journalSeq: number, stateJson: string): Promise<void> {
    const text = `{"v":${SNAPSHOT_FORMAT_VERSION},"symbol":${JSON.stringify(symbol)},"journalSeq":${journalSeq},"savedAt":${Date.now()},"state":${stateJson}}`;
    await this.store.putBlob({ name: symbol }, new TextEncoder().encode(text));
  }

  async load(symbol: string): Promise<StoredSnapshot | undefined> {
    const bytes = await this.store.getBlob(symbol);
    if (bytes === null) return undefined;
    let parsed: StoredSnapshot;
    try {
      parsed = JSON.parse(new TextDecoder().decode(bytes)) as StoredSnapshot;
    } catch {
      throw new SnapshotCorruptError(symbol, 'not JSON');
    }
    if (parsed.v !== SNAPSHOT_FORMAT_VERSION || parsed.symbol !== symbol || typeof parsed.journalSeq !== 'number') {
      throw new SnapshotCorruptError(symbol, 'unexpected version, symbol or journalSeq');
    }
    return parsed;
  }
}
