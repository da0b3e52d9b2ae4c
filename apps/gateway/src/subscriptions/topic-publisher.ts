import type { TemplatedApp } from 'uWebSockets.js';
import type { GatewayMetrics } from '../admin/gateway-metrics.js';

/**
 * Hands one encoded frame to every local subscriber of a uWS topic: the bytes are passed once, uWS
 * copies them into each socket; nothing is parsed or serialised per recipient.
 */
export class TopicPublisher {
  constructor(
    private readonly app: TemplatedApp,
    private readonly metrics: GatewayMetrics,
    /** Told how many bytes went out, so the send-buffer sweep can run before any buffer nears uWS's hard cap. */
    private readonly onBytesSent: (bytes: number) => void,
  ) {}

  publish(topic: string, frame: Uint8Array | string, startedAt: number): void {
    const recipients = this.app.numSubscribers(topic);
    if (recipients === 0) return;
    this.app.publish(topic, frame, false, false);
    const bytes = typeof frame === 'string' ? Buffer.byteLength(frame) : frame.byteLength;
    this.metrics.messagesOut.inc(recipients);
    this.metrics.bytesOut.inc(bytes * recipients);
    this.metrics.natsToSocketSeconds.observe((performance.now() - startedAt) / 1000);
    this.onBytesSent(bytes);
  }
}
