import type { CommandReply, OrderState, PlaceCommand } from '@trading/contracts';
import { describe, OrderEntryError } from '../errors.js';

/**
 * REST order entry on a gateway (contract section 5): `POST /api/v1/orders` and
 * `DELETE /api/v1/orders/{orderId}?symbol=`. The user is the token's `sub`, so bodies carry no userId.
 * Uses the global `fetch` (browsers, Node >= 18) unless one is injected.
 */
export type PlaceOrderRequest = Omit<PlaceCommand, 'type' | 'userId'> & {
  /** The symbol the order is for (the engine command carries it in its subject instead). */
  symbol: string;
};

export interface CancelOrderRequest {
  symbol: string;
  orderId: string;
}

export interface OrderEntryOptions {
  /** Default: globalThis.fetch. */
  fetch?: typeof fetch;
  /** Abort after this long (status 0, code NETWORK_ERROR). Default 10 000 ms. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface OrderEntryResult {
  /** HTTP status (200). */
  status: number;
  /** The engine's reply, exactly as the gateway relayed it. */
  reply: Extract<CommandReply, { ok: true }>;
  /** The order's state after the command. */
  order: OrderState;
}

/** Places an order. Resolves with the engine's reply; a refusal throws OrderEntryError with the engine's code and details. */
export async function placeOrder(gatewayHttpUrl: string, token: string, order: PlaceOrderRequest, options: OrderEntryOptions = {}): Promise<OrderEntryResult> {
  return send(endpoint(gatewayHttpUrl, '/api/v1/orders'), { method: 'POST', body: JSON.stringify(order) }, token, options);
}

/** Cancels an order. Resolves with the engine's reply (the order, CANCELED); refusals throw OrderEntryError (e.g. ORDER_NOT_FOUND, 404). */
export async function cancelOrder(gatewayHttpUrl: string, token: string, request: CancelOrderRequest, options: OrderEntryOptions = {}): Promise<OrderEntryResult> {
  const path = `/api/v1/orders/${encodeURIComponent(request.orderId)}?symbol=${encodeURIComponent(request.symbol)}`;
  return send(endpoint(gatewayHttpUrl, path), { method: 'DELETE' }, token, options);
}

function endpoint(base: string, path: string): string {
  if (typeof base !== 'string' || !/^https?:\/\//i.test(base)) {
    throw new OrderEntryError('INVALID_ARGUMENT', `gateway URL ${JSON.stringify(base)} is not an http(s) URL`, 0);
  }
  return base.replace(/\/+$/, '') + path;
}

async function send(url: string, init: { method: string; body?: string }, token: string, options: OrderEntryOptions): Promise<OrderEntryResult> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new OrderEntryError('NETWORK_ERROR', 'no fetch implementation available', 0);
  const controller = new AbortController();
  const timeoutMs = options.timeoutMs ?? 10_000;
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const onAbort = () => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) controller.abort();
  let status: number;
  let text: string;
  try {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetchImpl(url, { method: init.method, headers, body: init.body, signal: controller.signal });
    status = response.status;
    text = await response.text();
  } catch (err) {
    const why = controller.signal.aborted && !options.signal?.aborted ? `no answer within ${timeoutMs} ms` : describe(err);
    throw new OrderEntryError('NETWORK_ERROR', `${init.method} ${url} failed: ${why}`, 0, undefined, undefined, { cause: err });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
  return interpret(status, text);
}

/** Maps an HTTP answer to a result or a typed error; exported for tests. */
export function interpret(status: number, text: string): OrderEntryResult {
  let body: unknown;
  try {
    body = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const reply = body as Partial<{ ok: boolean; order: OrderState; error: { code?: unknown; message?: unknown; details?: unknown } }> | undefined;
  if (reply && typeof reply === 'object') {
    if (reply.ok === true && reply.order && typeof reply.order === 'object' && status >= 200 && status < 300) {
      return { status, reply: reply as OrderEntryResult['reply'], order: reply.order };
    }
    if (reply.ok === false && reply.error && typeof reply.error.code === 'string') {
      const details = isStringRecord(reply.error.details) ? reply.error.details : undefined;
      throw new OrderEntryError(reply.error.code, String(reply.error.message ?? reply.error.code), status, details, body);
    }
    // Some gateways answer transport-level failures with their own `{type:"error",code,message}` shape.
    const flat = reply as { code?: unknown; message?: unknown };
    if (status >= 400 && typeof flat.code === 'string') throw new OrderEntryError(flat.code, String(flat.message ?? flat.code), status, undefined, body);
  }
  if (status === 401) throw new OrderEntryError('UNAUTHORIZED', 'missing, invalid or expired token', status, undefined, body);
  if (status === 503) throw new OrderEntryError('ENGINE_UNAVAILABLE', 'no engine answered in time', status, undefined, body);
  if (status >= 400) throw new OrderEntryError(`HTTP_${status}`, `gateway answered HTTP ${status}`, status, undefined, body ?? text.slice(0, 500));
  throw new OrderEntryError('BAD_RESPONSE', `HTTP ${status} without an engine reply`, status, undefined, body ?? text.slice(0, 500));
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}
