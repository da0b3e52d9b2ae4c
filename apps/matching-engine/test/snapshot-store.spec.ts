import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { NatsServer } from '@trading/testing';
import { SNAPSHOT_STREAM, SnapshotStore } from '../src/snapshots/snapshot-store.js';

/** Snapshot store on a real JetStream: inline and chunked states, chunk cleanup, bulk load. */
describe('SnapshotStore', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let store: SnapshotStore;

  beforeAll(async () => {
    nats = await NatsServer.start();
    nc = await connect({ servers: nats.url });
    store = await SnapshotStore.open(nc, 1);
  });

  afterAll(async () => {
    await nc?.close();
    await nats?.dispose();
  });

  const state = (symbol: string, orders: number) => ({ version: 1, symbol, orders: Array.from({ length: orders }, (_, i) => [i, `user-${i}`, '100.00', '1.0000']) });

  it('has nothing for a symbol never saved', async () => {
    expect(await store.load('NONE-USD')).toBeUndefined();
  });

  it('round-trips a small state inline and a big one in chunks, and purges the old chunks', async () => {
    const small = state('BTC-USD', 3);
    await store.save('BTC-USD', 7, JSON.stringify(small));
    expect(await store.load('BTC-USD')).toMatchObject({ symbol: 'BTC-USD', journalSeq: 7, state: small });

    const big = state('BTC-USD', 60_000); // ~2.5 MB of JSON: three chunks
    await store.save('BTC-USD', 9, JSON.stringify(big));
    const loaded = await store.load('BTC-USD');
    expect(loaded?.journalSeq).toBe(9);
    expect(loaded?.state).toEqual(big);

    const jsm = await jetstreamManager(nc);
    const chunks = async () => Object.keys((await jsm.streams.info(SNAPSHOT_STREAM, { subjects_filter: 'snapshots.chunk.>' })).state.subjects ?? {}).length;
    expect(await chunks()).toBeGreaterThanOrEqual(3);
    // A new snapshot (here small again) replaces the head first, then drops the old chunks.
    await store.save('BTC-USD', 11, JSON.stringify(small));
    expect(await chunks()).toBe(0);
    expect((await store.load('BTC-USD'))?.journalSeq).toBe(11);
  });

  it('loads many symbols with one pass, including chunked ones', async () => {
    await store.save('ETH-USD', 3, JSON.stringify(state('ETH-USD', 2)));
    await store.save('SOL-USD', 4, JSON.stringify(state('SOL-USD', 40_000)));
    const fresh = await SnapshotStore.open(nc, 1);
    const many = await fresh.loadMany(['ETH-USD', 'SOL-USD', 'BTC-USD', 'XRP-USD']);
    expect([...many.keys()].sort()).toEqual(['BTC-USD', 'ETH-USD', 'SOL-USD']);
    expect(many.get('SOL-USD')?.state).toEqual(state('SOL-USD', 40_000));
    expect(many.get('ETH-USD')?.journalSeq).toBe(3);
  });
});
