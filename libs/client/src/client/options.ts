import type { BackoffOptions } from '../connection/backoff.js';
import type { WebSocketConstructor } from '../connection/websocket-like.js';
import { InvalidOptionError, WebSocketUnavailableError } from '../errors.js';

export type TokenProvider = () => Promise<string> | string;

export interface TradingClientOptions {
  /** Gateway `/ws` endpoints, one per replica, e.g. `['wss://gw-a.example/ws', 'wss://gw-b.example/ws']`. */
  urls: string[];
  /** WebSocket implementation. Default `globalThis.WebSocket` (browsers, Node >= 22); in Node 20 pass `WebSocket` from `ws`. */
  WebSocket?: WebSocketConstructor;
  /** Called at every connect and before the token expires; its token is sent with the `auth` op. */
  getToken?: TokenProvider;
  /** Refresh this long before the token's `exp`. Default 30 000 ms. */
  tokenRefreshMarginMs?: number;
  /** Reconnect delays. */
  backoff?: BackoffOptions;
  /** Send a `ping` this often. Default 15 000 ms; 0 disables heartbeats. */
  heartbeatIntervalMs?: number;
  /** A connection with no frame at all within this time after a ping is stale and dropped. Default 5 000 ms. */
  pongTimeoutMs?: number;
  /** Give up an attempt that has not opened within this time. Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Acknowledgement deadline of subscribe/unsubscribe/auth. Default 10 000 ms. */
  requestTimeoutMs?: number;
  /** A connection that stayed open this long resets the backoff. Default 5 000 ms. */
  stableAfterMs?: number;
  /**
   * Resume (issue 7): after a reconnect, ask the gateway to replay trades/orders from the last seq
   * seen (`fromSeq` / `fromSeqs` on the subscribe op). A gateway without resume ignores the field
   * and the SDK then reports the missed range as a gap; RESUME_UNAVAILABLE is reported as a gap and
   * the subscription continues live. Default true.
   */
  resume?: boolean;
  /** Start with a random replica (spreads a fleet of clients). Default true. */
  randomStart?: boolean;
  /** Random source in [0, 1), for jitter and the first replica. Default Math.random. */
  random?: () => number;
}

export type ResolvedOptions = Required<Omit<TradingClientOptions, 'getToken' | 'backoff'>> & Pick<TradingClientOptions, 'getToken' | 'backoff'>;

export function resolveOptions(options: TradingClientOptions): ResolvedOptions {
  if (!options || !Array.isArray(options.urls) || options.urls.length === 0) {
    throw new InvalidOptionError('urls', 'give at least one gateway /ws URL');
  }
  for (const url of options.urls) {
    if (typeof url !== 'string' || !/^wss?:\/\//i.test(url)) throw new InvalidOptionError('urls', `"${String(url)}" is not a ws:// or wss:// URL`);
  }
  const WebSocketCtor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof WebSocketCtor !== 'function') throw new WebSocketUnavailableError();
  if (options.getToken !== undefined && typeof options.getToken !== 'function') throw new InvalidOptionError('getToken', 'must be a function');
  const resolved: ResolvedOptions = {
    urls: [...options.urls],
    WebSocket: WebSocketCtor,
    getToken: options.getToken,
    tokenRefreshMarginMs: options.tokenRefreshMarginMs ?? 30_000,
    backoff: options.backoff,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 15_000,
    pongTimeoutMs: options.pongTimeoutMs ?? 5_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    stableAfterMs: options.stableAfterMs ?? 5_000,
    resume: options.resume ?? true,
    randomStart: options.randomStart ?? true,
    random: options.random ?? Math.random,
  };
  for (const key of ['tokenRefreshMarginMs', 'heartbeatIntervalMs', 'pongTimeoutMs', 'connectTimeoutMs', 'requestTimeoutMs', 'stableAfterMs'] as const) {
    const value = resolved[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new InvalidOptionError(key, 'must be a non-negative number of milliseconds');
  }
  if (resolved.heartbeatIntervalMs > 0 && resolved.pongTimeoutMs === 0) throw new InvalidOptionError('pongTimeoutMs', 'must be > 0 when heartbeats are on');
  return resolved;
}
