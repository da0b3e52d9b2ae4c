import { parseSymbolsList, type SymbolSpec } from '@trading/contracts';

/** Invalid configuration: the server refuses to start and names the variable. */
export class WebConfigError extends Error {
  readonly code = 'INVALID_CONFIG';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'WebConfigError';
  }
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface WebConfig {
  host: string;
  /** 0 = any free port (tests); the bound port is on the running server. */
  port: number;
  /** Gateway `/ws` endpoints, one per replica, in the order the page lists them. */
  gatewayUrls: string[];
  /** The same replicas' HTTP base URLs (order entry is proxied there). */
  gatewayHttpUrls: string[];
  symbols: SymbolSpec[];
  /** DEV ONLY: when set, POST /api/dev-token mints HS256 tokens with it. */
  devJwtSecret?: string;
  devTokenTtlSeconds: number;
  logLevel: LogLevel;
}

/** Every variable the web server reads (docs/web.md lists them). */
export const WEB_ENV_VARS: readonly { name: string; default: string; description: string }[] = [
  { name: 'WEB_HOST', default: '127.0.0.1', description: 'Interface the page server binds to.' },
  { name: 'WEB_PORT', default: '8088', description: 'Port of the page (0 = any free port).' },
  { name: 'GATEWAY_URLS', default: 'ws://127.0.0.1:8080/ws,ws://127.0.0.1:8081/ws', description: 'Comma-separated gateway /ws URLs, one per replica.' },
  { name: 'SYMBOLS', default: 'BTC-USD,ETH-USD', description: 'Symbols the page offers, SYMBOL[:tick[:lot[:minQuantity]]] as the engine takes them.' },
  { name: 'JWT_SECRET', default: '', description: 'DEV ONLY: enables POST /api/dev-token, which signs tokens for any user id. Leave unset outside a dev machine.' },
  { name: 'DEV_TOKEN_TTL_SECONDS', default: '3600', description: 'Lifetime of dev tokens.' },
  { name: 'LOG_LEVEL', default: 'info', description: 'pino level.' },
];

type Env = Record<string, string | undefined>;

function text(env: Env, name: string, fallback: string): string {
  const value = env[name];
  return value === undefined || value.trim() === '' ? fallback : value.trim();
}

function whole(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = text(env, name, String(fallback));
  if (!/^[0-9]+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new WebConfigError(name, `must be a whole number between ${min} and ${max}, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/** `ws://host:port/ws` -> `http://host:port` (wss -> https). */
export function httpBaseOf(wsUrl: string): string {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  return url.origin;
}

function gatewayUrls(env: Env): string[] {
  const raw = text(env, 'GATEWAY_URLS', 'ws://127.0.0.1:8080/ws,ws://127.0.0.1:8081/ws');
  const urls = raw.split(',').map((u) => u.trim());
  for (const url of urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new WebConfigError('GATEWAY_URLS', `${JSON.stringify(url)} is not a URL`);
    }
    if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') throw new WebConfigError('GATEWAY_URLS', `${JSON.stringify(url)} must start with ws:// or wss://`);
  }
  if (new Set(urls).size !== urls.length) throw new WebConfigError('GATEWAY_URLS', 'lists a URL twice');
  return urls;
}

export function loadWebConfig(env: Env): WebConfig {
  const level = text(env, 'LOG_LEVEL', 'info') as LogLevel;
  if (!LOG_LEVELS.includes(level)) throw new WebConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  let symbols: SymbolSpec[];
  try {
    symbols = parseSymbolsList(text(env, 'SYMBOLS', 'BTC-USD,ETH-USD'));
  } catch (err) {
    throw new WebConfigError('SYMBOLS', (err as Error).message);
  }
  const urls = gatewayUrls(env);
  const secret = text(env, 'JWT_SECRET', '');
  return {
    host: text(env, 'WEB_HOST', '127.0.0.1'),
    port: whole(env, 'WEB_PORT', 8088, 0, 65535),
    gatewayUrls: urls,
    gatewayHttpUrls: urls.map(httpBaseOf),
    symbols,
    devJwtSecret: secret === '' ? undefined : secret,
    devTokenTtlSeconds: whole(env, 'DEV_TOKEN_TTL_SECONDS', 3600, 60, 7 * 24 * 3600),
    logLevel: level,
  };
}
