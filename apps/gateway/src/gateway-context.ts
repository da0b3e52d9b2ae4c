import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import type { GatewayConfig } from './config/gateway-config.js';
import type { Logger } from './logging/logger.js';
import type { GatewayMetrics } from './admin/gateway-metrics.js';
import type { NatsLink } from './nats/nats-link.js';
import type { SubjectInterest } from './subscriptions/subject-interest.js';
import type { BookRegistry } from './books/book-registry.js';
import type { TokenVerifier } from './auth/token-verifier.js';
import type { ExpiryTimers } from './auth/expiry-timers.js';
import type { ConnectionQuota } from './limits/connection-quota.js';
import type { SendBufferGuard } from './limits/send-buffer-guard.js';
import type { ClientSession } from './ws/client-session.js';
import type { StreamHistory } from './resume/stream-history.js';
import type { TopicPublisher } from './subscriptions/topic-publisher.js';

export interface SocketData {
  session: ClientSession;
}

export type ClientSocket = WebSocket<SocketData>;

/** The shared parts every handler needs; built once by startGateway. */
export interface GatewayContext {
  config: GatewayConfig;
  log: Logger;
  metrics: GatewayMetrics;
  app: TemplatedApp;
  link: NatsLink;
  interest: SubjectInterest;
  /** Topic fan-out; with WRITE_DELAY_MS its queue must be flushed before any per-socket send or subscription change. */
  publisher: TopicPublisher;
  books: BookRegistry;
  /** Retained events (JetStream) for resuming subscriptions. */
  history: StreamHistory;
  verifier: TokenVerifier;
  /** Token-expiry timers of open connections, one per expiry instant. */
  expiry: ExpiryTimers;
  quota: ConnectionQuota;
  guard: SendBufferGuard<SocketData>;
  sockets: Set<ClientSocket>;
  state: { draining: boolean; natsConnected: boolean };
}
