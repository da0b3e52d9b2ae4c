import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { SignJWT } from 'jose';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { EVENT_STREAMS, PRIVATE_EVENT_STREAM } from '@trading/contracts';
import { ChildService, freePort, NatsServer, waitFor } from '@trading/testing';
import { TradingClient, type StreamGap, type WebSocketConstructor } from '@trading/client';

/**
 * Resume end to end (issue 7): the SDK against two real gateway processes and a JetStream server
 * holding the event retention streams. After a replica dies, the SDK resubscribes on the other with
 * the last seq it saw, and the gateway replays what was published meanwhile: the application sees
 * every event once, with no gap. A point older than the retention window surfaces as a gap.
 */
const GATEWAY_MAIN = fileURLToPath(new URL('../../../apps/gateway/dist/main.js', import.meta.url));
const SECRET = 'client-sdk-resume-secret-0123456789abcdef';
const SYMBOL = 'BTC-USD';

if (!existsSync(GATEWAY_MAIN)) throw new Error(`${GATEWAY_MAIN} is missing: build first (npx tsc -b tsconfig.build.json)`);

const started: ChildService[] = [];
interface Replica {
  service: ChildService;
  wsUrl: string;
  port: number;
  adminPort: number;
}
async function replica(name: string, natsUrl: string, ports?: { port: number; adminPort: number }): Promise<Replica> {
  const { port, adminPort } = ports ?? { port: await freePort(), adminPort: await freePort() };
  const service = ChildService.start(name, GATEWAY_MAIN, { NATS_URL: natsUrl, HOST: '127.0.0.1', PORT: String(port), ADMIN_PORT: String(adminPort), JWT_SECRET: SECRET, LOG_LEVEL: 'warn', DRAIN_MS: '0' });
  started.push(service);
  await waitFor(async () => (await fetch(`http://127.0.0.1:${adminPort}/readyz`).catch(() => undefined))?.status === 200, { timeoutMs: 15_000, description: `${name} ready` });
  return { service, wsUrl: `ws://127.0.0.1:${port}/ws`, port, adminPort };
}

const sign = (sub: string) => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

let nats: NatsServer;
let nc: NatsConnection;
let jsm: JetStreamManager;
let client: TradingClient | undefined;
let a: Replica;
let b: Replica;
const seqs = new Map<string, number>();

function publish(kind: 'order' | 'trade'): number {
  const subject = kind === 'order' ? `trading.order.alice.${SYMBOL}` : `trading.trade.${SYMBOL}`;
  const seq = (seqs.get(subject) ?? 0) + 1;
  seqs.set(subject, seq);
  const event = kind === 'order' ? { type: 'OrderUpdate', symbol: SYMBOL, seq, ts: Date.now(), userId: 'alice', orderId: `o${seq}`, status: 'NEW' } : { type: 'TradeExecuted', symbol: SYMBOL, seq, ts: Date.now(), tradeId: `t${seq}`, price: '1.00', quantity: '1.0000', takerSide: 'buy' };
  nc.publish(subject, JSON.stringify(event));
  return seq;
}

beforeAll(async () => {
  nats = await NatsServer.start({ jetstream: true });
  nc = await connect({ servers: nats.url });
  jsm = await jetstreamManager(nc);
  // The streams the engine provisions at start (apps/matching-engine/src/events/event-streams.ts).
  for (const spec of EVENT_STREAMS) await jsm.streams.add({ name: spec.name, subjects: [...spec.subjects], allow_direct: true, max_bytes: 16 * 1024 * 1024 });
});

afterAll(async () => {
  await client?.close();
  await Promise.all(started.map((s) => s.kill()));
  await nc?.close();
  await nats?.dispose();
});

describe('TradingClient resume through real gateways', () => {
  it('after a replica is killed, resumes on the other from the last seq seen: every event once, no gap', async () => {
    [a, b] = [await replica('gateway-a', nats.url), await replica('gateway-b', nats.url)];
    client = new TradingClient({ urls: [a.wsUrl, b.wsUrl], WebSocket: WebSocket as unknown as WebSocketConstructor, getToken: () => sign('alice'), randomStart: false, backoff: { initialDelayMs: 200, maxDelayMs: 500 } });
    const orders: number[] = [];
    const trades: number[] = [];
    const gaps: StreamGap[] = [];
    const resumed: string[] = [];
    client.on('gap', (g) => gaps.push(g));
    const orderSub = client.subscribeOrders('*');
    const tradeSub = client.subscribeTrades(SYMBOL);
    orderSub.on('order', (o) => orders.push(o.seq));
    tradeSub.on('trade', (t) => trades.push(t.seq));
    const onAck = (s: { channel: string; resumed: boolean }) => void (s.resumed && resumed.push(s.channel));
    orderSub.on('subscribed', onAck);
    tradeSub.on('subscribed', onAck);
    await client.connect();
    await Promise.all([orderSub.ready, tradeSub.ready]);
    for (let i = 0; i < 5; i++) publish('order'), publish('trade');
    await waitFor(() => (orders.length === 5 && trades.length === 5 ? true : undefined));

    await a.service.kill();
    // Published while the client has no connection: only JetStream has them for it.
    for (let i = 0; i < 5; i++) publish('order'), publish('trade');
    await waitFor(() => (client!.url === b.wsUrl && resumed.length === 2 ? true : undefined), { timeoutMs: 10_000, description: 'resumed on B' });
    for (let i = 0; i < 5; i++) publish('order'), publish('trade');
    await waitFor(() => (orders.length >= 15 && trades.length >= 15 ? true : undefined), { timeoutMs: 10_000, description: 'all 15 of each' });
    expect(orders).toEqual(range(1, 15));
    expect(trades).toEqual(range(1, 15));
    expect(gaps).toEqual([]);
    expect(resumed.sort()).toEqual(['orders', 'trades']);
  });

  it('reports a gap (resume-unavailable) when the last seq seen is older than the retention window, then continues live', async () => {
    const gaps: StreamGap[] = [];
    client!.on('gap', (g) => gaps.push(g));
    const orders: number[] = [];
    client!.subscribeOrders('*').on('order', (o) => orders.push(o.seq));
    for (let i = 0; i < 5; i++) publish('order');
    await waitFor(() => (orders.length === 5 ? true : undefined));
    const seenUpTo = seqs.get(`trading.order.alice.${SYMBOL}`)!;
    await b.service.kill();
    for (let i = 0; i < 6; i++) publish('order');
    // Retention lost everything but the newest 2 of alice's updates (as max_age / max_bytes would).
    await waitFor(async () => ((await jsm.streams.getMessage(PRIVATE_EVENT_STREAM.name, { last_by_subj: `trading.order.alice.${SYMBOL}` }))?.seq === undefined ? undefined : true));
    await waitFor(async () => ((await jsm.streams.info(PRIVATE_EVENT_STREAM.name, { subjects_filter: `trading.order.alice.${SYMBOL}` })).state.subjects?.[`trading.order.alice.${SYMBOL}`] === seenUpTo + 6 ? true : undefined));
    await jsm.streams.purge(PRIVATE_EVENT_STREAM.name, { filter: `trading.order.alice.${SYMBOL}`, keep: 2 });
    // Replica A comes back on its address; the client, retrying both, lands there.
    a = await replica('gateway-a2', nats.url, { port: a.port, adminPort: a.adminPort });
    await waitFor(() => (gaps.some((g) => g.reason === 'resume-unavailable') ? true : undefined), { timeoutMs: 15_000, description: 'resume-unavailable gap' });
    expect(gaps.find((g) => g.reason === 'resume-unavailable')).toMatchObject({ channel: 'orders', symbol: SYMBOL, expected: seenUpTo + 1, resync: false });
    const live = publish('order');
    await waitFor(() => (orders.at(-1) === live ? true : undefined), { timeoutMs: 10_000, description: 'live again' });
  });
});
