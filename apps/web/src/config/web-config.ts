import { parseSymbolsList, type SymbolSpec } from '@trading/contracts';
import { ConfigError, EnvReader, type Env, type EnvVarSpec, type LogLevel } from '@trading/service-config';

/** Invalid configuration: the server refuses to start and names the variable (the services' shared type). */
export { ConfigError, type LogLevel } from '@trading/service-config';

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
export const WEB_ENV_VARS: readonly EnvVarSpec[] = [
  { name: 'WEB_HOST', default: '127.0.0.1', description: 'Interface the page server binds to.' },
  { name: 'WEB_PORT', range: [0, 65535], default: '8088', description: 'Port of the page (0 = any free port).' },
  { name: 'GATEWAY_URLS', default: 'ws://127.0.0.1:8080/ws,ws://127.0.0.1:8081/ws', description: 'Comma-separated gateway /ws URLs, one per replica.' },
  { name: 'SYMBOLS', default: 'BTC-USD,ETH-USD', description: 'Symbols the page offers, SYMBOL[:tick[:lot[:minQuantity]]] as the engine takes them.' },
  { name: 'JWT_SECRET', default: '', description: 'DEV ONLY: enables POST /api/dev-token, which signs tokens for any user id. Leave unset outside a dev machine.' },
  { name: 'DEV_TOKEN_TTL_SECONDS', range: [60, 7 * 24 * 3600], default: '3600', description: 'Lifetime of dev tokens.' },
  { name: 'LOG_LEVEL', default: 'info', description: 'pino level.' },
];

/** `ws://host:port/ws` -> `http://host:port` (wss -> https). */
export function httpBaseOf(wsUrl: string): string {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  return url.origin;
}

function gatewayUrls(vars: EnvReader): string[] {
  const raw = vars.required('GATEWAY_URLS');
  const urls = raw.split(',').map((u) => u.trim());
  for (const url of urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError('GATEWAY_URLS', `${JSON.stringify(url)} is not a URL`);
    }
    if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') throw new ConfigError('GATEWAY_URLS', `${JSON.stringify(url)} must start with ws:// or wss://`);
  }
  if (new Set(urls).size !== urls.length) throw new ConfigError('GATEWAY_URLS', 'lists a URL twice');
  return urls;
}

export function loadWebConfig(env: Env): WebConfig {
  const vars = new EnvReader(env, WEB_ENV_VARS);
  const logLevel = vars.logLevel();
  const symbols = vars.parse('SYMBOLS', () => parseSymbolsList(vars.required('SYMBOLS')));
  const urls = gatewayUrls(vars);
  return {
    host: vars.required('WEB_HOST'),
    port: vars.integer('WEB_PORT'),
    gatewayUrls: urls,
    gatewayHttpUrls: urls.map(httpBaseOf),
    symbols,
    devJwtSecret: vars.text('JWT_SECRET'),
    devTokenTtlSeconds: vars.integer('DEV_TOKEN_TTL_SECONDS'),
    logLevel,
  };
}
