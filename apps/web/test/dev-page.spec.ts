import { afterAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import { freePort } from '@trading/testing';
import { startDevPage } from '../src/dev-stack/dev-page.js';
import type { RunningWebServer } from '../src/http/web-server.js';

/** The piece `npm start` (scripts/dev-stack/start.mjs) calls to serve the page with the stack's settings. */
describe('dev-stack page', () => {
  const servers: RunningWebServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it("serves the page with the stack's gateways, symbols and secret", async () => {
    const port = await freePort();
    const page = await startDevPage({ host: '0.0.0.0', port, gatewayPorts: [18080, 18081], symbols: 'BTC-USD:0.01:0.0001,ETH-USD', jwtSecret: 'dev-secret-dev-secret-dev-secret-01', logLevel: 'silent' });
    servers.push(page);
    // Printed in the banner: a URL a browser on this machine can open even when bound to all interfaces.
    expect(page.url).toBe(`http://127.0.0.1:${port}/`);
    const config = await (await fetch(new URL('/config.json', page.url))).json();
    expect(config).toEqual({
      gatewayUrls: ['ws://127.0.0.1:18080/ws', 'ws://127.0.0.1:18081/ws'],
      symbols: [
        { symbol: 'BTC-USD', tick: '0.01', lot: '0.0001' },
        { symbol: 'ETH-USD', tick: '0.01', lot: '0.0001' },
      ],
      devTokens: true,
    });
    expect((await fetch(new URL('/api/dev-token', page.url), { method: 'POST', body: '{"userId":"sim-1"}' })).status).toBe(200);
  });

  it('fails with EADDRINUSE (which the supervisor reports) when its port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startDevPage({ host: '127.0.0.1', port, gatewayPorts: [1], symbols: 'BTC-USD', jwtSecret: 'x'.repeat(32), logLevel: 'silent' })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      blocker.close();
    }
  });
});
