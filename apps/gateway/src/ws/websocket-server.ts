import type { HttpRequest, HttpResponse, us_socket_context_t, WebSocketBehavior } from 'uWebSockets.js';
import { CloseCode } from '@trading/contracts';
import type { GatewayContext, SocketData, ClientSocket } from '../gateway-context.js';
import { AuthError } from '../auth/auth-error.js';
import { tokenFrom, type Identity } from '../auth/token-verifier.js';
import type { BookSync } from '../books/book-sync.js';
import { reply } from '../http/http-reply.js';
import { OriginPolicy } from '../http/origin-policy.js';
import { ClientSession } from './client-session.js';
import { routeUpgrade, UpgradeRefusal, type UpgradeTarget } from './upgrade-routes.js';

interface UpgradeRequest {
  path: string;
  query: string;
  authorization: string;
  origin: string;
  key: string;
  protocol: string;
  extensions: string;
  ip: string;
}

/** The uWS WebSocket behaviour for every endpoint: checks at upgrade, then a ClientSession per socket. */
export function websocketBehavior(ctx: GatewayContext): WebSocketBehavior<SocketData> {
  const { config, log, metrics } = ctx;
  const origins = new OriginPolicy(config.allowedOrigins);
  // The gauge's child per endpoint, looked up once: labels() hashes its arguments on every call,
  // and each connection would pay that at open and again at close.
  const connectionGauges = new Map<string, { inc(): void; dec(): void }>();
  const connectionGauge = (endpoint: string) => {
    let gauge = connectionGauges.get(endpoint);
    if (!gauge) connectionGauges.set(endpoint, (gauge = metrics.connections.labels(endpoint)));
    return gauge;
  };
  return {
    // uWS cuts frames over maxPayloadLength at the TCP level (the client sees 1006, not 1009), so its
    // cap sits above ours: frames up to 4x MAX_FRAME_BYTES get a proper 1009 from onMessage, larger
    // ones are still cut by uWS before it buffers them.
    maxPayloadLength: uwsMaxPayload(config.maxFrameBytes),
    maxBackpressure: ctx.guard.uwsMaxBackpressure,
    closeOnBackpressureLimit: 0,
    idleTimeout: config.idleTimeoutSeconds,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => {
      // HttpRequest is only valid until the first await: copy what we need now.
      const request: UpgradeRequest = {
        path: req.getUrl(),
        query: req.getQuery() ?? '',
        authorization: req.getHeader('authorization'),
        origin: req.getHeader('origin'),
        key: req.getHeader('sec-websocket-key'),
        protocol: req.getHeader('sec-websocket-protocol'),
        extensions: req.getHeader('sec-websocket-extensions'),
        ip: Buffer.from(res.getRemoteAddressAsText()).toString(),
      };
      res.onAborted(() => {
        res.aborted = true;
      });
      // Before any work (quota, token, NATS): a page from another site gets nothing but a 403.
      if (!origins.allows(request.origin)) {
        refuse(ctx, res, new UpgradeRefusal(403, 'ORIGIN_NOT_ALLOWED', 'WebSocket connections from this origin are not allowed'));
        return;
      }
      upgrade(ctx, res, request, context).catch((err: unknown) => {
        log.error({ err }, 'upgrade failed');
        refuse(ctx, res, new UpgradeRefusal(500, 'INTERNAL', 'internal error'));
      });
    },
    open: (ws) => guarded(ctx, 'open', () => {
      const session = ws.getUserData().session;
      ctx.sockets.add(ws);
      connectionGauge(session.endpoint).inc();
      metrics.connectionsOpened.inc();
      // The session's first sends and topic subscriptions run just after this handler, not in it.
      // Every upgrade here is asynchronous (res.cork(() => res.upgrade()) after an await), and
      // uWS v20.30's cork() then reads the new WebSocket's memory as HTTP response state. When the
      // open handler has written to the socket (a send, a subscribe), that can look like
      // "Connection: close", and uWS closes the WebSocket at once: 1006, no close frame
      // (uNetworking/uWebSockets#1928). That is fixed upstream, but not in a build that loads on
      // glibc 2.36. A microtask runs after cork() returns and before any I/O of this socket.
      queueMicrotask(() => guarded(ctx, 'open', () => session.onOpen(ws)));
    }),
    message: (ws, message, isBinary) =>
      guarded(ctx, 'message', () => {
        if (message.byteLength > config.maxFrameBytes) {
          metrics.frameTooLargeCloses.inc();
          ctx.publisher.flush();
          ws.end(CloseCode.MESSAGE_TOO_BIG, `frame larger than ${config.maxFrameBytes} bytes`);
          return;
        }
        ws.getUserData().session.onMessage(message, isBinary);
      }),
    close: (ws, code, message) => guarded(ctx, 'close', () => {
      const session = ws.getUserData().session;
      ctx.sockets.delete(ws);
      ctx.quota.give(session.ip);
      connectionGauge(session.endpoint).dec();
      if (code === 1006 && Buffer.from(message).toString().includes('too big')) metrics.frameTooLargeCloses.inc();
      session.onClose();
    }),
  };
}

export function uwsMaxPayload(maxFrameBytes: number): number {
  return Math.max(maxFrameBytes * 4, 64 * 1024);
}

/** A throw inside a uWS callback would take the whole process down; contain it to the one connection. */
function guarded(ctx: GatewayContext, where: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    ctx.log.error({ err, where }, 'WebSocket handler failed');
  }
}

async function upgrade(ctx: GatewayContext, res: HttpResponse, request: UpgradeRequest, context: us_socket_context_t): Promise<void> {
  if (ctx.state.draining) return refuse(ctx, res, new UpgradeRefusal(503, 'SHUTTING_DOWN', 'this replica is shutting down; reconnect to another', 1));
  let target: UpgradeTarget;
  try {
    target = routeUpgrade(request.path, request.query, ctx.config.maxSubscriptionsPerConnection);
  } catch (err) {
    if (err instanceof UpgradeRefusal) return refuse(ctx, res, err);
    throw err;
  }
  const slot = ctx.quota.tryTake(request.ip);
  if (slot !== 'ok') {
    const message = slot === 'replica_full' ? 'this replica is at its connection limit' : 'too many connections from this address';
    return refuse(ctx, res, new UpgradeRefusal(503, 'TOO_MANY_CONNECTIONS', message, 1));
  }
  let book: BookSync | undefined;
  let upgraded = false;
  try {
    const identity = await authenticate(ctx, target, request.authorization);
    if (target.endpoint === 'markets') {
      const result = await ctx.books.acquire(target.symbol, ctx.config.natsRequestTimeoutMs);
      if (result.kind === 'unknown') throw new UpgradeRefusal(404, 'UNKNOWN_SYMBOL', `no engine serves ${target.symbol}`);
      book = result.book;
      if (result.kind === 'pending') throw new UpgradeRefusal(503, 'ENGINE_UNAVAILABLE', `no engine answered for ${target.symbol} in time`, 1);
    }
    if (res.aborted) return;
    if (ctx.state.draining) throw new UpgradeRefusal(503, 'SHUTTING_DOWN', 'this replica is shutting down; reconnect to another', 1);
    const session = new ClientSession(ctx, target.endpoint, request.ip, identity, {
      orders: target.endpoint === 'orders',
      trades: target.endpoint === 'trades' ? (target.symbols === '*' ? ['*'] : target.symbols) : target.endpoint === 'markets' ? [target.symbol] : undefined,
      book,
      resume: target.endpoint === 'orders' || target.endpoint === 'trades' ? target.resume : undefined,
    });
    res.cork(() => res.upgrade<SocketData>({ session }, request.key, request.protocol, request.extensions, context));
    upgraded = true;
  } catch (err) {
    if (err instanceof UpgradeRefusal) refuse(ctx, res, err);
    else throw err;
  } finally {
    if (!upgraded) {
      ctx.quota.give(request.ip);
      if (book) ctx.books.release(book);
    }
  }
}

async function authenticate(ctx: GatewayContext, target: UpgradeTarget, authorization: string): Promise<Identity | undefined> {
  const token = tokenFrom(authorization, target.token);
  // Public endpoints work without a token; a token that is present must still be valid.
  if (!token && target.endpoint !== 'orders') return undefined;
  try {
    return await ctx.verifier.verify(token);
  } catch (err) {
    if (!(err instanceof AuthError)) throw err;
    ctx.metrics.authFailures.labels(err.reason).inc();
    throw new UpgradeRefusal(401, 'UNAUTHORIZED', err.message);
  }
}

function refuse(ctx: GatewayContext, res: HttpResponse, refusal: UpgradeRefusal): void {
  ctx.metrics.upgradeRefusals.labels(String(refusal.status)).inc();
  const headers: Record<string, string> = refusal.retryAfterSeconds ? { 'Retry-After': String(refusal.retryAfterSeconds) } : {};
  reply(res, refusal.status, JSON.stringify({ error: { code: refusal.code, message: refusal.message } }), headers);
}

export type { ClientSocket };
