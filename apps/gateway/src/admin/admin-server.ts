import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayMetrics } from './gateway-metrics.js';

export interface Readiness {
  ready: boolean;
  /** Human-readable reasons when not ready (NATS down, dead subscription, draining). */
  reasons: string[];
}

/** /healthz (the process runs), /readyz (it can do its job) and /metrics, on node:http: admin traffic is tiny. */
export class AdminServer {
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static start(host: string, port: number, metrics: GatewayMetrics, readiness: () => Readiness): Promise<AdminServer> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { 'Content-Type': 'application/json' }).end('{"error":"method not allowed"}');
        return;
      }
      if (path === '/healthz') {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ok"}');
      } else if (path === '/readyz') {
        const state = readiness();
        metrics.ready.set(state.ready ? 1 : 0);
        res
          .writeHead(state.ready ? 200 : 503, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ ready: state.ready, role: 'gateway', reasons: state.reasons }));
      } else if (path === '/metrics') {
        metrics.registry.metrics().then(
          (text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text),
          () => res.writeHead(500).end(),
        );
      } else {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":"not found"}');
      }
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve(new AdminServer(server, (server.address() as AddressInfo).port));
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
