import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logging/logger.js';
import type { EngineMetrics } from './engine-metrics.js';
import type { ReadinessReport } from '../engine/engine-runtime.js';

/**
 * /healthz (the process answers), /readyz (200 while it can do its job: NATS connected, journal
 * usable, every symbol owner or standby; the body says the role per symbol), /metrics.
 * Plain node:http: it must keep answering while the engine itself is stuck or starting.
 */
export class AdminServer {
  private server?: Server;

  constructor(
    private readonly port: number,
    private readonly metrics: EngineMetrics,
    private readonly readiness: () => ReadinessReport,
    private readonly log: Logger,
  ) {}

  async start(): Promise<number> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    this.log.info({ port }, 'admin endpoints listening');
    return port;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'application/json', '{"error":"method not allowed"}');
      if (path === '/healthz') return send(res, 200, 'application/json', '{"status":"ok"}');
      if (path === '/readyz') {
        const report = this.readiness();
        return send(res, report.ready ? 200 : 503, 'application/json', JSON.stringify(report));
      }
      if (path === '/metrics') return send(res, 200, this.metrics.registry.contentType, await this.metrics.registry.metrics());
      return send(res, 404, 'application/json', '{"error":"not found"}');
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'admin request failed');
      if (!res.headersSent) send(res, 500, 'application/json', '{"error":"internal error"}');
    }
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}
