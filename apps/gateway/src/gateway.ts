import type { us_listen_socket } from 'uWebSockets.js';
import type { GatewayConfig } from './config/gateway-config.js';
import { createLogger, type Logger } from './logging/logger.js';
import { GatewayMetrics } from './admin/gateway-metrics.js';
import { AdminServer, type Readiness } from './admin/admin-server.js';
import { TokenVerifier } from './auth/token-verifier.js';
import { ExpiryTimers } from './auth/expiry-timers.js';
import { NatsLink, redactUrls } from './nats/nats-link.js';
import { TopicPublisher } from './subscriptions/topic-publisher.js';
import { SubjectInterest } from './subscriptions/subject-interest.js';
import { BookRegistry } from './books/book-registry.js';
import { ConnectionQuota } from './limits/connection-quota.js';
import { SendBufferGuard } from './limits/send-buffer-guard.js';
import { StreamHistory } from './resume/stream-history.js';
import { RESUME_MAX_EVENTS } from './resume/topic-resume.js';
import { assertNativeUws } from './ws/native-uws.js';
import { websocketBehavior } from './ws/websocket-server.js';
import { registerOrderRoutes } from './http/order-routes.js';
import { reply, errorBody } from './http/http-reply.js';
import { closeSpread } from './shutdown/close-spread.js';
import type { ClientSocket, GatewayContext, SocketData } from './gateway-context.js';

export interface GatewayHandle {
  /** Bound ports (useful with PORT=0 / ADMIN_PORT=0). */
  readonly port: number;
  readonly adminPort: number;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
  readiness(): Readiness;
  /** Graceful shutdown: not ready, no new upgrades (503), clients closed with 1001 over `drainMs`, NATS drained. */
  stop(drainMs?: number): Promise<void>;
  /** Re-reads JWT_JWKS_FILE now (SIGHUP); the file is also watched. No-op with a fixed key. */
  reloadKeys(): void;
}

export async function startGateway(config: GatewayConfig, log: Logger = createLogger(config.logLevel)): Promise<GatewayHandle> {
  const uWS = assertNativeUws();
  const metrics = new GatewayMetrics();
  const verifier = await TokenVerifier.create(config, (result) => {
    // Key ids only: never key material or tokens in logs.
    if (result.ok) log.info({ kids: result.kids }, 'JWKS reloaded');
    else log.error({ err: result.error.message }, 'JWKS reload failed; keeping the previous keys');
  });
  const state = { draining: false, natsConnected: false };
  let ctx: GatewayContext | undefined;

  const readiness = (): Readiness => {
    const reasons: string[] = [];
    if (state.draining) reasons.push('draining');
    if (!ctx) reasons.push('starting');
    if (!state.natsConnected) reasons.push('NATS disconnected');
    if (ctx && ctx.interest.dead.size > 0) reasons.push(`dead NATS subscriptions: ${[...ctx.interest.dead].join(', ')}`);
    return { ready: reasons.length === 0, reasons };
  };
  // Admin first: /healthz answers and /readyz says "not ready" while NATS is still being reached.
  const admin = await AdminServer.start(config.host, config.adminPort, metrics, readiness);

  let books: BookRegistry | undefined;
  let link: NatsLink;
  try {
    link = await NatsLink.open(config.natsServers, `gateway-${process.pid}`, log, {
      onConnectedChange: (connected) => {
        state.natsConnected = connected;
        metrics.natsConnected.set(connected ? 1 : 0);
        if (!connected) ctx?.interest.holdForCatchUp();
      },
      onReconnect: () => {
        books?.onReconnect();
        if (ctx) void ctx.interest.catchUp(ctx.history, RESUME_MAX_EVENTS).catch((err: unknown) => log.error({ err }, 'catch-up after NATS reconnect failed'));
      },
    }, config.natsAuth);
  } catch (err) {
    await admin.close();
    throw err;
  }

  const app = uWS.App();
  const sockets = new Set<ClientSocket>();
  const guard = new SendBufferGuard<SocketData>(config.sendBufferBytes, () => sockets, (ws) => ws.getUserData().session.closeSlow());
  const publisher = new TopicPublisher(app, metrics, (bytes) => guard.noteSent(bytes), { delayMs: config.writeDelayMs, maxMessages: config.writeDelayMaxMessages });
  const countSubjects = () => metrics.natsSubjects.set((ctx?.interest.size ?? 0) + (books?.size ?? 0));
  const history = new StreamHistory(link.nc, RESUME_MAX_EVENTS);
  const interest = new SubjectInterest(link, publisher, metrics, log, countSubjects, history);
  books = new BookRegistry(link, publisher, metrics, log, config.natsRequestTimeoutMs, countSubjects);
  const expiry = new ExpiryTimers((err) => log.error({ err }, 'token expiry handling failed'));
  ctx = { config, log, metrics, app, link, interest, publisher, books, history, verifier, expiry, quota: new ConnectionQuota(config.maxConnections, config.maxConnectionsPerIp), guard, sockets, state };

  app.ws<SocketData>('/*', websocketBehavior(ctx));
  registerOrderRoutes(app, ctx);
  app.any('/*', (res) => reply(res, 404, errorBody('NOT_FOUND', 'no such route')));

  const listenSocket = await new Promise<us_listen_socket>((resolve, reject) =>
    app.listen(config.host, config.port, (socket) => (socket ? resolve(socket) : reject(new Error(`cannot listen on ${config.host}:${config.port}`)))),
  ).catch(async (err: Error) => {
    await link.drain();
    await admin.close();
    throw err;
  });
  const port = uWS.us_socket_local_port(listenSocket as never);
  guard.start(config.sendBufferSweepMs);
  log.info({ port, adminPort: admin.port, nats: redactUrls(config.natsServers), writeDelayMs: config.writeDelayMs }, 'gateway listening');
  if (config.allowedOrigins.length === 0) {
    // Fine for development and non-browser clients; in production a page on any site could then
    // open WebSockets and call the order API with a token it holds (docs/security.md, threat 7).
    log.warn('ALLOWED_ORIGINS is empty: browser pages from any origin may open WebSockets and call the order API');
  }

  let stopping: Promise<void> | undefined;
  const stop = (drainMs = config.drainMs): Promise<void> => {
    stopping ??= (async () => {
      state.draining = true;
      metrics.ready.set(0);
      log.info({ connections: sockets.size, drainMs }, 'draining: closing clients with 1001');
      // Events queued by the write delay go out before the 1001 closes (closeSpread flushes at every tick).
      publisher.flush();
      await closeSpread(sockets, drainMs, () => publisher.flush());
      guard.stop();
      books!.closeAll();
      publisher.close();
      uWS.us_listen_socket_close(listenSocket);
      (app as unknown as { close?: () => void }).close?.();
      await link.drain();
      await admin.close();
      verifier.close();
      expiry.close();
      log.info('gateway stopped');
    })();
    return stopping;
  };

  return { port, adminPort: admin.port, metrics, log, readiness, stop, reloadKeys: () => void verifier.reloadKeys() };
}
