import { pino } from 'pino';
import { ConfigError } from '@trading/service-config';
import { loadWebConfig } from '../config/web-config.js';
import { startWebServer, type RunningWebServer } from '../http/web-server.js';

export interface DevPageOptions {
  /** Interface to bind (the dev stack's DEV_HOST). */
  host: string;
  /** Page port; DEV_WEB_PORT, default 8088. */
  port: number;
  /** The dev stack's gateway ports, one per replica. */
  gatewayPorts: number[];
  /** SYMBOLS as the engine takes them. */
  symbols: string;
  /** The stack's JWT secret: the page's dev sign-in mints tokens with it. */
  jwtSecret: string;
  logLevel?: string;
}

/**
 * The live page inside `npm start`'s supervisor (scripts/dev-stack/start.mjs), in-process so the
 * supervisor's list of child processes stays as it is. Configuration goes through the same
 * loadWebConfig as `node apps/web/dist/main.js`, so it is validated the same way.
 */
export async function startDevPage(options: DevPageOptions): Promise<RunningWebServer> {
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  const config = loadWebConfig({
    WEB_HOST: options.host,
    WEB_PORT: String(options.port),
    GATEWAY_URLS: options.gatewayPorts.map((port) => `ws://${host}:${port}/ws`).join(','),
    SYMBOLS: options.symbols,
    JWT_SECRET: options.jwtSecret,
    LOG_LEVEL: options.logLevel ?? 'warn',
  });
  return startWebServer(config, pino({ level: config.logLevel, base: { service: 'web' } }));
}

/** DEV_WEB_PORT, default 8088. */
export function devWebPort(env: Record<string, string | undefined>): number {
  const text = (env.DEV_WEB_PORT ?? '').trim() || '8088';
  if (!/^[0-9]+$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new ConfigError('DEV_WEB_PORT', `must be a TCP port (1-65535), got ${JSON.stringify(text)}`);
  }
  return Number(text);
}
