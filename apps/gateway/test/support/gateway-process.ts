import { fileURLToPath } from 'node:url';
import { ChildService, freePort, waitFor } from '@trading/testing';
import { TEST_JWT_SECRET } from './tokens.js';

export const GATEWAY_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface GatewayProcess {
  service: ChildService;
  port: number;
  adminPort: number;
  wsUrl(path: string): string;
  adminUrl(path: string): string;
  metric(name: string): Promise<number>;
}

/** The built gateway (dist/main.js) as a real child process, configured only by env like in production. */
export async function startGatewayProcess(natsUrl: string, env: Record<string, string> = {}, name = 'gateway'): Promise<GatewayProcess> {
  const port = await freePort();
  const adminPort = await freePort();
  const service = ChildService.start(name, GATEWAY_MAIN, {
    NATS_URL: natsUrl,
    PORT: String(port),
    ADMIN_PORT: String(adminPort),
    HOST: '127.0.0.1',
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'warn',
    ...env,
  });
  const adminUrl = (path: string) => `http://127.0.0.1:${adminPort}${path}`;
  await waitFor(async () => (await fetch(adminUrl('/readyz'))).status === 200, {
    timeoutMs: 15_000,
    description: `${name} ready`,
  }).catch((err: Error) => {
    throw new Error(`${err.message}\n${service.logs}`);
  });
  return {
    service,
    port,
    adminPort,
    wsUrl: (path) => `ws://127.0.0.1:${port}${path}`,
    adminUrl,
    metric: async (metricName) => sumMetric(await (await fetch(adminUrl('/metrics'))).text(), metricName),
  };
}

/** Sums every sample of one metric in Prometheus text format. */
export function sumMetric(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(name + ' ') || line.startsWith(name + '{')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
