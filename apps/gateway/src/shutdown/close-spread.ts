import { CloseCode } from '@trading/contracts';
import type { ClientSocket } from '../gateway-context.js';

const TICK_MS = 50;

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
}
