import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import type { WebConfig } from '../config/web-config.js';
import type { PageConfig } from '../browser/page-config.js';
import { bundleBrowser } from '../bundle/bundle-browser.js';
import { mintDevToken } from './dev-token.js';
import { HttpError, sendError, sendJson, WebErrorCode } from './http-errors.js';
import { OrderProxy } from './order-proxy.js';
import { readBody } from './read-body.js';
import { loadAssets, type Asset } from './static-assets.js';

export interface RunningWebServer {
  readonly url: string;
  readonly port: number;
  readonly log: Logger;
  stop(): Promise<void>;
}

const ORDER_PATH = /^\/api\/v1\/orders(\/[^/?]+)?$/;

/** Starts the page server: static page + bundle, /config.json, dev tokens, order-entry proxy, health. */
export async function startWebServer(config: WebConfig, log: Logger = pino({ level: config.logLevel, base: { service: 'web', pid: process.pid } })): Promise<RunningWebServer> {
  const bundle = await bundleBrowser();
  const assets = loadAssets(bundle);
  const pageConfig: PageConfig = {
    gatewayUrls: config.gatewayUrls,
    symbols: config.symbols.map((s) => ({ symbol: s.symbol, tick: s.tick.text, lot: s.lot.text })),
    devTokens: config.devJwtSecret !== undefined,
  };
  const proxy = new OrderProxy(config.gatewayHttpUrls, log);
  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      const error = err instanceof HttpError ? err : new HttpError(500, WebErrorCode.INTERNAL, 'internal error');
      if (!(err instanceof HttpError)) log.error({ err }, 'request failed');
      if (res.headersSent) res.destroy();
      else sendError(res, error);
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://page.local');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (ORDER_PATH.test(path)) {
      if (method !== 'POST' && method !== 'DELETE') throw new HttpError(405, WebErrorCode.METHOD_NOT_ALLOWED, `${method} is not allowed on ${path}`);
      await proxy.forward(req, res, path + url.search);
      return;
    }
    if (path === '/api/dev-token') {
      if (method !== 'POST') throw new HttpError(405, WebErrorCode.METHOD_NOT_ALLOWED, 'use POST with {"userId":"..."}');
      const raw = (await readBody(req, 4096)).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        throw new HttpError(400, WebErrorCode.VALIDATION_FAILED, 'body is not JSON', { body: 'must be {"userId":"..."}' });
      }
      sendJson(res, 200, await mintDevToken(body, config.devJwtSecret, config.devTokenTtlSeconds));
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, WebErrorCode.METHOD_NOT_ALLOWED, `${method} is not allowed on ${path}`);
    if (path === '/config.json') return sendJson(res, 200, pageConfig);
    if (path === '/healthz' || path === '/readyz') return sendJson(res, 200, { ready: true, role: 'web' });
    const asset = assets.get(path);
    if (!asset) throw new HttpError(404, WebErrorCode.NOT_FOUND, `no such page: ${path}`);
    sendAsset(res, asset, method === 'HEAD');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${shownHost}:${port}/`;
  log.info({ url, gateways: config.gatewayUrls, bundleBytes: bundle.size, devTokens: pageConfig.devTokens }, 'trading page ready');
  return {
    url,
    port,
    log,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function sendAsset(res: ServerResponse, asset: Asset, headOnly: boolean): void {
  res.writeHead(200, { 'content-type': asset.contentType, 'content-length': asset.body.length, 'cache-control': 'no-cache' });
  res.end(headOnly ? undefined : asset.body);
}
