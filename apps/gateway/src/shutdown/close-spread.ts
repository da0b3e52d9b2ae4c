import { CloseCode } from '@trading/contracts';
import type { ClientSocket } from '../gateway-context.js';

const TICK_MS = 50;
/** Longest wait for the clients to answer the last 1001 frames before the listener and app close. */
const CLOSE_HANDSHAKE_WAIT_MS = 2000;

/**
 * Closes every connection with 1001 ("going away, reconnect elsewhere"), spread evenly over
 * `drainMs` so that clients do not all reconnect to the other replicas in the same millisecond.
 * `flush` publishes the write-delay queue (WRITE_DELAY_MS) before each batch of closes.
 */
export async function closeSpread(sockets: Set<ClientSocket>, drainMs: number, flush: () => void = () => undefined): Promise<void> {
  const queue = [...sockets];
  if (queue.length === 0) return;
  const ticks = Math.max(1, Math.floor(drainMs / TICK_MS));
  const perTick = Math.ceil(queue.length / ticks);
  let index = 0;
  for (;;) {
    const batchEnd = Math.min(queue.length, index + perTick);
    // Events queued by the write delay reach the sockets before their 1001.
    flush();
    for (; index < batchEnd; index++) {
      const ws = queue[index];
      if (sockets.has(ws)) ws.end(CloseCode.GOING_AWAY, 'server shutting down');
    }
    if (index >= queue.length) break;
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  // Connections opened by upgrades already in flight when draining began.
  flush();
  for (const ws of [...sockets]) ws.end(CloseCode.GOING_AWAY, 'server shutting down');
  // Let the close handshakes finish (a socket leaves the set when uWS reports it closed): closing the
  // app right away would cut the last batch's 1001 frames, and those clients would see 1006.
  const deadline = Date.now() + CLOSE_HANDSHAKE_WAIT_MS;
  while (sockets.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}
