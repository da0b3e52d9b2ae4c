import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { TestSocket, UpgradeRefusedError, waitFor } from '../src/index.js';

/**
 * A real ws server: `/echo` echoes, `/script` sends a fixed sequence then closes with 4008,
 * `/refuse` answers the upgrade with HTTP 401.
 */
describe('TestSocket', () => {
  let http: Server;
  let wss: WebSocketServer;
  let base: string;
  const serverSockets: WebSocket[] = [];

  beforeAll(async () => {
    http = createServer();
    wss = new WebSocketServer({ noServer: true });
    http.on('upgrade', (req, socket, head) => {
      if (req.url === '/refuse') {
        socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\nContent-Length: 12\r\nConnection: close\r\n\r\nbad token!!\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        serverSockets.push(ws);
        if (req.url === '/script') {
          ws.send(JSON.stringify({ type: 'a', n: 1 }));
          ws.send(Buffer.from([1, 2, 3]), { binary: true });
          ws.send(JSON.stringify({ type: 'b', n: 2 }));
          ws.send(JSON.stringify({ type: 'a', n: 3 }));
          ws.close(4008, 'slow consumer');
        } else {
          ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
          if (req.headers.authorization) ws.send(JSON.stringify({ authorization: req.headers.authorization }));
        }
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const ws of serverSockets) ws.terminate();
    wss.close();
    await new Promise((resolve) => http.close(resolve));
  });

  it('records text and binary frames in order and exposes close code and reason', async () => {
    const socket = await TestSocket.open(`${base}/script`);
    const closed = await socket.waitForClose(5000);
    expect(closed).toEqual({ code: 4008, reason: 'slow consumer' });
    expect(socket.closed).toEqual(closed);
    expect(socket.frames).toEqual(['{"type":"a","n":1}', '{"type":"b","n":2}', '{"type":"a","n":3}']);
    expect(socket.messages.map((m) => m.n)).toEqual([1, 2, 3]);
    expect(socket.binaryFrames).toEqual([Buffer.from([1, 2, 3])]);
  });

  it('waitForMessage honours `from`; waitForCount returns all matches', async () => {
    const socket = await TestSocket.open(`${base}/script`);
    await socket.waitForClose(5000);
    expect(await socket.waitForMessage((m) => m.type === 'a')).toEqual({ type: 'a', n: 1 });
    expect(await socket.waitForMessage((m) => m.type === 'a', 1000, 1)).toEqual({ type: 'a', n: 3 });
    expect(await socket.waitForCount((m) => m.type === 'a', 2)).toEqual([
      { type: 'a', n: 1 },
      { type: 'a', n: 3 },
    ]);
    await expect(socket.waitForMessage((m) => m.type === 'c', 30)).rejects.toThrow(/timed out after 30 ms/);
  });

  it('sends objects as JSON and strings as they are, with headers at upgrade', async () => {
    const socket = await TestSocket.open(`${base}/echo`, { headers: { Authorization: 'Bearer t0k' } });
    await socket.waitForMessage((m) => m.authorization === 'Bearer t0k', 5000);
    socket.send({ op: 'ping', id: 1 });
    socket.send('not json');
    await socket.waitForMessage((m) => m.op === 'ping', 5000);
    // the raw frame is recorded byte for byte even though it is not JSON
    await waitFor(() => socket.frames.includes('not json'), { timeoutMs: 5000 });
    await socket.close();
    expect(socket.closed?.code).toBe(1005);
  });

  it('rejects with UpgradeRefusedError carrying the HTTP status and body', async () => {
    const failure = await TestSocket.open(`${base}/refuse`).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(UpgradeRefusedError);
    expect((failure as UpgradeRefusedError).status).toBe(401);
    expect((failure as UpgradeRefusedError).body).toBe('bad token!!\n');
    expect((failure as UpgradeRefusedError).code).toBe('UPGRADE_REFUSED');
  });

  it('rejects with the connection error when nothing listens', async () => {
    const closedServer = createServer();
    await new Promise<void>((resolve) => closedServer.listen(0, '127.0.0.1', resolve));
    const port = (closedServer.address() as AddressInfo).port;
    await new Promise((resolve) => closedServer.close(resolve));
    await expect(TestSocket.open(`ws://127.0.0.1:${port}/`)).rejects.toThrow(/ECONNREFUSED/);
  });
});
