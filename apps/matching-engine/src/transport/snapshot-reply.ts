import { SnapshotErrorCode, type OrderBookSnapshot, type PriceLevel } from '@trading/contracts';
import { MAX_SNAPSHOT_DEPTH } from './snapshot-request.js';

/** nats-server's default max_payload, for a connection that has not told its own yet. */
export const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/**
 * The reply to a snapshot request: the snapshot's JSON when it fits in one NATS message
 * (`maxBytes`, the server's max_payload), else a SNAPSHOT_TOO_LARGE refusal whose `details.depth`
 * names the deepest depth that fits (at most MAX_SNAPSHOT_DEPTH, the largest a request may ask
 * for). Never a cut-down book under the full book's name: a gateway seeds its replica from `{}` and
 * would serve a wrong book. And never an oversized message: nats.js refuses to publish it, and a
 * framed one would get the engine's connection closed by the server.
 */
export function encodeSnapshotReply(snapshot: OrderBookSnapshot, maxBytes: number): string {
  const json = JSON.stringify(snapshot);
  const bytes = Buffer.byteLength(json);
  if (bytes <= maxBytes) return json;
  const fits = Math.min(deepestDepthThatFits(snapshot, maxBytes), MAX_SNAPSHOT_DEPTH);
  return JSON.stringify({
    ok: false,
    error: {
      code: SnapshotErrorCode.SNAPSHOT_TOO_LARGE,
      message: `the snapshot is ${bytes} bytes, more than one NATS message may carry (max_payload ${maxBytes})`,
      details: { depth: fits > 0 ? `at most ${fits} levels per side fit: ask for {"depth":${fits}}` : 'not even one level per side fits' },
    },
  });
}

/** Largest N whose `{"depth":N}` snapshot is at most `maxBytes` long (0 if none). */
export function deepestDepthThatFits(snapshot: OrderBookSnapshot, maxBytes: number): number {
  let size = Buffer.byteLength(JSON.stringify({ ...snapshot, bids: [], asks: [] }));
  const levelBytes = (side: readonly PriceLevel[], i: number) => (i < side.length ? Buffer.byteLength(JSON.stringify(side[i])) + (i > 0 ? 1 : 0) : 0);
  const deepest = Math.max(snapshot.bids.length, snapshot.asks.length);
  for (let depth = 0; depth < deepest; depth++) {
    size += levelBytes(snapshot.bids, depth) + levelBytes(snapshot.asks, depth);
    if (size > maxBytes) return depth;
  }
  return deepest;
}
