import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import {
  ClientErrorCode,
  CommandErrorCode,
  HTTP_STATUS_BY_COMMAND_ERROR,
  isSymbol,
  subjects,
  validateCommand,
  type TradingCommand,
} from '@trading/contracts';
import type { GatewayContext } from '../gateway-context.js';
import { AuthError } from '../auth/auth-error.js';
import { tokenFrom, type Identity } from '../auth/token-verifier.js';
import { CorsPolicy } from './cors.js';
import { errorBody, reply, SECURITY_HEADERS } from './http-reply.js';
import { OriginPolicy } from './origin-policy.js';
import { BodyTooLargeError, readBody } from './read-body.js';
import { decodeComponent, parseQuery } from './query-string.js';
import { UserRequestRate } from '../limits/user-request-rate.js';

/** A request the gateway answers itself, before any engine sees it. */
class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, string>,
  ) {
    super(message);
  }
}

interface RequestHead {
  authorization: string;
  origin: string;
  query: string;
  orderId?: string;
}

/**
 * Order entry for frontends: POST /api/v1/orders and DELETE /api/v1/orders/{orderId}?symbol=, with the
 * user taken from the token's `sub`, forwarded as NATS requests to trading.cmd.{symbol}; the body is
 * the engine's reply and the status follows contract section 5.
 */
export function registerOrderRoutes(app: TemplatedApp, ctx: GatewayContext): void {
  const cors = new CorsPolicy(ctx.config.corsOrigins);
  const origins = new OriginPolicy(ctx.config.allowedOrigins);
  const rate = new UserRequestRate(ctx.config.orderRequestsPerSecond);
  /** The token's user, if it is within its request rate (429 otherwise). */
  const admit = async (head: RequestHead): Promise<Identity> => {
    const identity = await authenticate(ctx, head);
    if (!rate.allow(identity.userId, Date.now())) {
      throw new HttpRefusal(429, ClientErrorCode.RATE_LIMITED, `more than ${ctx.config.orderRequestsPerSecond} order requests per second for this user`);
    }
    return identity;
  };

  app.options('/api/v1/*', (res, req) => {
    const headers = cors.preflightHeaders(req);
    res.cork(() => {
      res.writeStatus('204 No Content');
      for (const [name, value] of Object.entries({ ...SECURITY_HEADERS, ...headers })) res.writeHeader(name, value);
      res.end();
    });
  });

  app.post('/api/v1/orders', (res, req) => {
    const head = readHead(req);
    // uWS delivers the body only to a handler attached before this callback returns.
    const bodyRead = readBody(res, ctx.config.maxHttpBodyBytes);
    bodyRead.catch(() => undefined); // a 401 may answer before the body is read
    handle(ctx, cors, res, head, async () => {
      checkOrigin(origins, head);
      const identity = await admit(head);
      const body = await bodyRead;
      let raw: unknown;
      try {
        raw = JSON.parse(body.toString('utf8'));
      } catch {
        throw new HttpRefusal(400, CommandErrorCode.VALIDATION_FAILED, 'request body is not valid JSON', { body: 'must be a JSON object' });
      }
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        throw new HttpRefusal(400, CommandErrorCode.VALIDATION_FAILED, 'request body must be a JSON object', { body: 'must be a JSON object' });
      }
      const { symbol, ...fields } = raw as Record<string, unknown>;
      if ('userId' in fields) {
        throw new HttpRefusal(400, CommandErrorCode.VALIDATION_FAILED, 'userId comes from the token and must not be sent', {
          userId: 'must not be sent; the user is the token subject',
        });
      }
      if (!isSymbol(symbol)) throw new HttpRefusal(400, CommandErrorCode.VALIDATION_FAILED, 'symbol is missing or malformed', { symbol: 'symbol must be like "BTC-USD"' });
      if ('type' in fields && fields.type !== 'place') {
        throw new HttpRefusal(400, CommandErrorCode.VALIDATION_FAILED, 'type must be "place" or absent', { type: 'must be "place" or absent' });
      }
      return { symbol, command: { ...fields, type: 'place', userId: identity.userId } };
    });
  });

  app.del('/api/v1/orders/:orderId', (res, req) => {
    const head = { ...readHead(req), orderId: req.getParameter(0) };
    handle(ctx, cors, res, head, async () => {
      checkOrigin(origins, head);
      const identity = await admit(head);
      let query: Map<string, string>;
      let orderId: string;
      try {
        query = parseQuery(head.query);
        orderId = decodeComponent(head.orderId ?? '', 'orderId');
      } catch (err) {
        throw new HttpRefusal(400, CommandErrorCode.VALIDATION_FAILED, (err as Error).message);
      }
      const symbol = query.get('symbol');
      if (!isSymbol(symbol)) throw new HttpRefusal(400, CommandErrorCode.VALIDATION_FAILED, 'symbol query parameter is missing or malformed', { symbol: 'symbol must be like "BTC-USD"' });
      return { symbol, command: { type: 'cancel', userId: identity.userId, orderId } };
    });
  });

  app.any('/api/*', (res) => {
    reply(res, 404, errorBody('NOT_FOUND', 'no such API route'));
  });
}

function readHead(req: HttpRequest): RequestHead {
  return { authorization: req.getHeader('authorization'), origin: req.getHeader('origin'), query: req.getQuery() ?? '' };
}

function checkOrigin(origins: OriginPolicy, head: RequestHead): void {
  if (!origins.allows(head.origin)) throw new HttpRefusal(403, 'ORIGIN_NOT_ALLOWED', 'requests from this origin are not allowed');
}

/** `?token=` of the request; a query that does not parse has none (the route refuses it later if it needs it). */
function queryToken(query: string): string | undefined {
  try {
    return parseQuery(query).get('token') || undefined;
  } catch {
    return undefined;
  }
}

async function authenticate(ctx: GatewayContext, head: RequestHead): Promise<Identity> {
  try {
    // Authenticated like /ws/orders (contract section 5): the Authorization header, or `?token=`
    // (the header wins). The header is the better choice: query strings end up in proxies' logs.
    return await ctx.verifier.verify(tokenFrom(head.authorization, queryToken(head.query)));
  } catch (err) {
    if (!(err instanceof AuthError)) throw err;
    ctx.metrics.authFailures.labels(err.reason).inc();
    throw new HttpRefusal(401, 'UNAUTHORIZED', err.message);
  }
}

function handle(
  ctx: GatewayContext,
  cors: CorsPolicy,
  res: HttpResponse,
  head: RequestHead,
  prepare: () => Promise<{ symbol: string; command: Record<string, unknown> }>,
): void {
  res.onAborted(() => {
    res.aborted = true;
  });
  const corsHeaders = cors.headersFor(head.origin);
  const send = (status: number, body: string | Uint8Array, extra: Record<string, string> = {}) => {
    ctx.metrics.httpRequests.labels(String(status)).inc();
    reply(res, status, body, { ...corsHeaders, ...extra });
  };
  void (async () => {
    try {
      const { symbol, command } = await prepare();
      const checked = validateCommand(command);
      if (!checked.ok) {
        return send(400, errorBody(CommandErrorCode.VALIDATION_FAILED, 'command is not valid', checked.details));
      }
      await forward(ctx, symbol, checked.value, send);
    } catch (err) {
      if (err instanceof HttpRefusal) {
        const extra: Record<string, string> = err.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : err.status === 429 ? { 'Retry-After': '1' } : {};
        return send(err.status, errorBody(err.code, err.message, err.details), extra);
      }
      if (err instanceof BodyTooLargeError) return send(413, errorBody(err.code, err.message), { Connection: 'close' });
      ctx.log.error({ err }, 'order request failed');
      send(500, errorBody('INTERNAL', 'internal error'));
    }
  })();
}

async function forward(
  ctx: GatewayContext,
  symbol: string,
  command: TradingCommand,
  send: (status: number, body: string | Uint8Array, extra?: Record<string, string>) => void,
): Promise<void> {
  const outcome = await ctx.link.request(subjects.command(symbol), JSON.stringify(command), ctx.config.natsRequestTimeoutMs);
  switch (outcome.kind) {
    case 'no-responders':
      return send(404, errorBody(CommandErrorCode.UNKNOWN_SYMBOL, `no engine serves ${symbol}`));
    case 'timeout':
    case 'failed':
      return send(503, errorBody('ENGINE_UNAVAILABLE', 'no engine answered in time; retrying the same clientOrderId is safe'), { 'Retry-After': '1' });
    case 'reply':
      return send(statusOfReply(outcome.data), outcome.data);
  }
}

/** The engine's reply decides the status; the reply body itself is forwarded as it is. */
function statusOfReply(data: Uint8Array): number {
  let parsed: { ok?: unknown; error?: { code?: unknown } };
  try {
    parsed = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch {
    return 502;
  }
  if (parsed?.ok === true) return 200;
  const code = parsed?.error?.code;
  if (typeof code === 'string' && code in HTTP_STATUS_BY_COMMAND_ERROR) return HTTP_STATUS_BY_COMMAND_ERROR[code as CommandErrorCode];
  return 502;
}
