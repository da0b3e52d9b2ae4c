import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '@trading/testing';
import { REPO_ROOT } from './support/kustomize.js';

// The two scripts the images run: the HEALTHCHECK and the build-time native uWebSockets.js guard.
function run(script: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'deploy/docker', script), ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('deploy/docker/healthcheck.mjs', () => {
  let server: Server;
  let port: number;
  let hanging: Server;
  let hangingPort: number;

  beforeAll(async () => {
    port = await freePort();
    server = createServer((req, res) => {
      res.statusCode = req.url === '/healthz' ? 200 : 503;
      res.end(req.url === '/healthz' ? 'ok' : 'not ready');
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    hangingPort = await freePort();
    hanging = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolve) => hanging.listen(hangingPort, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    hanging.closeAllConnections();
    await new Promise((resolve) => hanging.close(resolve));
    await new Promise((resolve) => server.close(resolve));
  });

  it('exits 0 when the admin endpoint answers 200 on ADMIN_PORT', async () => {
    expect((await run('healthcheck.mjs', ['/healthz'], { ADMIN_PORT: String(port) })).code).toBe(0);
  });

  it('exits 1 on a non-2xx answer, a closed port, or no answer within its timeout', async () => {
    const notReady = await run('healthcheck.mjs', ['/readyz'], { ADMIN_PORT: String(port) });
    expect(notReady).toEqual({ code: 1, output: expect.stringContaining('/readyz answered 503') });
    const closed = await run('healthcheck.mjs', ['/healthz'], { ADMIN_PORT: String(await freePort()) });
    expect(closed).toEqual({ code: 1, output: expect.stringContaining('unreachable') });
    const silent = await run('healthcheck.mjs', ['/healthz'], { ADMIN_PORT: String(hangingPort), HEALTHCHECK_TIMEOUT_MS: '200' });
    expect(silent.code).toBe(1);
  });

  it('exits 2 on a bad ADMIN_PORT or path instead of probing something else', async () => {
    expect((await run('healthcheck.mjs', ['/healthz'], { ADMIN_PORT: 'ninety' })).code).toBe(2);
    expect((await run('healthcheck.mjs', ['healthz'], { ADMIN_PORT: String(port) })).code).toBe(2);
  });
});

describe('deploy/docker/verify-native-uws.cjs', () => {
  it('passes where the native binary loads (this machine: Debian glibc, Node 20)', async () => {
    const result = await run('verify-native-uws.cjs', [], {});
    expect(result).toEqual({ code: 0, output: expect.stringContaining('native uWebSockets.js loaded') });
  });

  it('fails the build when the JS fallback would be used', async () => {
    const result = await run('verify-native-uws.cjs', [], { UWS_USE_FALLBACK: '1' });
    expect(result.code).toBe(1);
  });
});
