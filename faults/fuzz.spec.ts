import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ClientErrorCode, CommandErrorCode } from '@trading/contracts';
import { NatsServer, TestSocket, waitFor } from '@trading/testing';
import { sign, startEngine, startGateway, SYMBOL, type Service } from './support/stack.js';

/**
 * Property-based fuzzing (fast-check) of every input the system takes from outside: WebSocket
 * client frames, REST bodies, and NATS commands / snapshot requests. Property: the process never
 * crashes or hangs, and every answer is typed (a known frame type / error code / HTTP status).
 */
const FRAME_TYPES = new Set(['subscribed', 'unsubscribed', 'authenticated', 'pong', 'error', 'OrderBookSnapshot', 'OrderBookUpdate', 'TradeExecuted', 'OrderUpdate']);
const CLIENT_CODES = new Set<string>(Object.values(ClientErrorCode));
const COMMAND_CODES = new Set<string>([...Object.values(CommandErrorCode), 'UNAUTHORIZED', 'ENGINE_UNAVAILABLE', 'PAYLOAD_TOO_LARGE', 'NOT_FOUND', 'BAD_GATEWAY', 'RATE_LIMITED']);
const HTTP_STATUSES = new Set([200, 400, 401, 404, 409, 413, 422, 429, 502, 503]);

/** Values that look like the real thing often enough to get past the first checks. */
const field = fc.oneof(
  fc.constantFrom('subscribe', 'unsubscribe', 'auth', 'ping', 'trades', 'book', 'orders', '*', SYMBOL, 'ETH-USD', 'btc-usd', '', 'place', 'cancel', 'buy', 'sell', 'limit', 'market', 'GTC', 'IOC', 'FOK', '100.00', '1.0000', '-1', '1e3', 'none'),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 20 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.integer(), { maxKeys: 3 }),
  fc.array(fc.integer(), { maxLength: 3 }),
);
const keys = ['op', 'channel', 'symbol', 'id', 'token', 'fromSeq', 'fromSeqs', 'type', 'userId', 'clientOrderId', 'side', 'orderType', 'price', 'quantity', 'timeInForce', 'postOnly', 'stp', 'orderId', 'depth'];
const objectish = fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 10 })), field, { maxKeys: 8 });
const text = fc.oneof(objectish.map((o) => JSON.stringify(o)), fc.json({ maxDepth: 3 }), fc.string({ maxLength: 200 }), fc.constantFrom('', '{', 'null', '[]', '{"op":', '\u0000', '{"op":"subscribe","channel":"book","symbol":"ETH-USD"}'));

describe('fault: fuzzing every external input', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let engine: Service;
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  beforeAll(async () => {
    nats = await NatsServer.start({ jetstream: true });
    nc = await connect({ servers: nats.url });
    engine = await startEngine('engine', nats.url);
    // The rate limit would answer most frames with RATE_LIMITED: lift it so the parser sees them all.
    // Rate limits out of the way: the fuzz must reach the validation paths, not the limiter.
    gateway = await startGateway('gateway', nats.url, { MAX_MESSAGES_PER_SECOND: '1000000', RATE_LIMIT_CLOSE_AFTER: '1000000', ORDER_REQUESTS_PER_SECOND: '1000000', NATS_REQUEST_TIMEOUT_MS: '1000' });
  });
  afterAll(async () => {
    for (const s of [gateway, engine]) await s?.service.kill();
    await nc?.close();
    await nats?.dispose();
  });

  const stillServing = async () => {
    expect(gateway.service.running).toBe(true);
    expect(engine.service.running).toBe(true);
    expect(await gateway.readyz()).toBe(200);
    expect(await engine.readyz()).toBe(200);
  };

  it('WebSocket client frames: every frame is answered with a typed frame, the connection stays open', async () => {
    const socket = await TestSocket.open(`ws://127.0.0.1:${gateway.port}/ws?token=${await sign('fuzzer')}`);
    let probe = 0;
    let frames = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(text.map((t) => ({ t, binary: false })), fc.uint8Array({ maxLength: 64 }).map((b) => ({ t: Buffer.from(b), binary: true }))), async ({ t, binary }) => {
        const from = socket.frames.length;
        if (binary) socket.ws.send(t, { binary: true });
        else socket.send(t as string);
        // A ping right behind it: its pong proves the frame did not hang the connection.
        const id = `probe-${++probe}`;
        socket.send({ op: 'ping', id });
        await socket.waitForMessage((m) => m.type === 'pong' && m.id === id, 5000, from);
        const answers = socket.messages.slice(from);
        frames++;
        for (const m of answers) {
          expect(FRAME_TYPES.has(m.type)).toBe(true);
          if (m.type === 'error') expect(CLIENT_CODES.has(m.code)).toBe(true);
        }
        // Something that is not a JSON object (or is binary) must get BAD_REQUEST.
        let isObject = false;
        try {
          const v = binary ? undefined : JSON.parse(t as string);
          isObject = typeof v === 'object' && v !== null && !Array.isArray(v);
        } catch {
          isObject = false;
        }
        if (!isObject) expect(answers.some((m) => m.type === 'error' && m.code === 'BAD_REQUEST')).toBe(true);
        expect(socket.closed).toBeUndefined();
      }),
      { numRuns: 400 },
    );
    await socket.close();
    await stillServing();
    console.log(JSON.stringify({ fuzz: 'ws frames', frames }));
  });

  it('REST bodies: every answer has a contract status and a typed body', async () => {
    const token = await sign('fuzzer');
    let requests = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(text, objectish.map((o) => JSON.stringify({ symbol: SYMBOL, clientOrderId: `c${Math.random()}`, side: 'buy', orderType: 'limit', price: '100.00', quantity: '1.0000', ...o }))), async (body) => {
        const res = await fetch(`http://127.0.0.1:${gateway.port}/api/v1/orders`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(5000) });
        requests++;
        expect(HTTP_STATUSES.has(res.status)).toBe(true);
        const reply = (await res.json()) as { ok?: boolean; error?: { code: string } };
        if (res.status === 200) expect(reply.ok).toBe(true);
        else expect(COMMAND_CODES.has(reply.error!.code)).toBe(true);
      }),
      { numRuns: 300 },
    );
    await stillServing();
    console.log(JSON.stringify({ fuzz: 'REST bodies', requests }));
  });

  it('REST cancels and WebSocket upgrade URLs: every answer is a contract status with a typed body', async () => {
    const token = await sign('fuzzer');
    // Already URL-safe text: escaped arbitrary strings, and raw pieces that are themselves malformed (bad percent-encoding).
    const segment = fc.oneof(fc.string({ maxLength: 30 }).map(encodeURIComponent), fc.constantFrom('BTC-USD-1', '%', '%zz', '..', 'a/b', '', 'BTC-USD', '*', '%E0%A4%A', '%00', 'BTC-USD:1,ETH-USD:x', 'BTC-USD:99999999999999999999'));
    let requests = 0;
    await fc.assert(
      fc.asyncProperty(segment, segment, async (orderId, symbol) => {
        const url = `http://127.0.0.1:${gateway.port}/api/v1/orders/${orderId}?symbol=${symbol}`;
        const res = await fetch(url, { method: 'DELETE', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000) });
        requests++;
        expect(HTTP_STATUSES.has(res.status)).toBe(true);
        const reply = (await res.json()) as { ok?: boolean; error?: { code: string } };
        if (res.status !== 200) expect(COMMAND_CODES.has(reply.error!.code)).toBe(true);
      }),
      { numRuns: 200 },
    );
    const path = fc.constantFrom('/ws', '/ws/orders', '/ws/trades', '/ws/markets/BTC-USD', '/ws/markets/', '/ws/markets/btc', '/ws/x', '/');
    const query = fc.array(fc.tuple(fc.constantFrom('symbols', 'fromSeq', 'fromSeqs', 'token', 'x'), segment), { maxLength: 3 });
    let upgrades = 0;
    await fc.assert(
      fc.asyncProperty(path, query, async (p, q) => {
        const qs = q.map(([k, v]) => `${k}=${v}`).join('&');
        const outcome = await TestSocket.open(`ws://127.0.0.1:${gateway.port}${p}${qs ? `?${qs}` : ''}`).then(
          async (socket) => {
            await socket.close();
            return { status: 101, body: '' };
          },
          (err: { status?: number; body?: string }) => ({ status: err.status ?? 0, body: err.body ?? '' }),
        );
        upgrades++;
        if (outcome.status === 101) return;
        expect([400, 401, 404, 503]).toContain(outcome.status);
        expect(typeof (JSON.parse(outcome.body) as { error: { code: string } }).error.code).toBe('string');
      }),
      { numRuns: 200 },
    );
    await stillServing();
    console.log(JSON.stringify({ fuzz: 'REST cancels + upgrade URLs', requests, upgrades }));
  });

  it('NATS commands and snapshot requests: every reply is typed, the engine keeps serving', async () => {
    let requests = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(text, objectish.map((o) => JSON.stringify({ type: 'place', userId: 'fuzzer', clientOrderId: `n${Math.random()}`, side: 'sell', orderType: 'limit', price: '101.00', quantity: '1.0000', ...o }))), fc.boolean(), async (body, snapshot) => {
        const msg = await nc.request(snapshot ? `trading.snapshot.${SYMBOL}` : `trading.cmd.${SYMBOL}`, body, { timeout: 5000 });
        requests++;
        const reply = JSON.parse(msg.string()) as { ok?: boolean; error?: { code: string }; type?: string };
        if (snapshot && reply.type === 'OrderBookSnapshot') return;
        if (reply.ok === true) return;
        expect(reply.ok).toBe(false);
        expect(Object.values(CommandErrorCode)).toContain(reply.error!.code);
      }),
      { numRuns: 400 },
    );
    await waitFor(async () => ((await engine.readyz()) === 200 ? true : undefined));
    await stillServing();
    console.log(JSON.stringify({ fuzz: 'NATS commands + snapshot requests', requests }));
  });
});
