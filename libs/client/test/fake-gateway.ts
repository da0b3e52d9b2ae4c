import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';

/**
 * A small in-process gateway speaking the `/ws` protocol of contract section 5 (acks, auth, pings,
 * book snapshots, events), with knobs to misbehave (no pongs, refusals, drops), so the SDK's
 * reconnect, failover, heartbeat and resync logic can be tested deterministically.
 */
export interface FakeBook {
  seq: number;
  bids: [string, string][];
  asks: [string, string][];
}

export class FakeConnection {
  readonly ops: any[] = [];
  readonly subscriptions = new Set<string>();
  userId?: string;
  closed?: { code: number; reason: string };

  constructor(readonly ws: WebSocket) {}

  send(frame: unknown): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }
}

export class FakeGateway {
  readonly connections: FakeConnection[] = [];
  readonly books = new Map<string, FakeBook>();
  /** Answer pings (false simulates a silently dead gateway). */
  answerPings = true;
  /** Symbols refused with UNKNOWN_SYMBOL. */
  readonly unknownSymbols = new Set<string>();
  /** Answer subscribes (false simulates a gateway that never acknowledges). */
  answerSubscribes = true;
  /** When set, subscribes carrying fromSeq/fromSeqs get this error code. */
  resumeError?: string;

  private constructor(
    private readonly server: WebSocketServer,
    readonly port: number,
  ) {
    server.on('connection', (ws) => this.accept(ws));
  }

  static async start(port = 0): Promise<FakeGateway> {
    const server = new WebSocketServer({ host: '127.0.0.1', port, path: '/ws' });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    return new FakeGateway(server, (server.address() as AddressInfo).port);
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  /** Connections still open. */
  get open(): FakeConnection[] {
    return this.connections.filter((c) => !c.closed);
  }

  /** Every op received on every connection, in order. */
  get ops(): any[] {
    return this.connections.flatMap((c) => c.ops);
  }

  /** Sends an event to every connection subscribed to its channel and symbol (or `*`). */
  publish(event: { type: string; symbol: string; userId?: string; [k: string]: unknown }): void {
    const channel = event.type === 'TradeExecuted' ? 'trades' : event.type === 'OrderUpdate' ? 'orders' : 'book';
    for (const conn of this.open) {
      const subscribed = conn.subscriptions.has(`${channel}:${event.symbol}`) || (channel !== 'book' && conn.subscriptions.has(`${channel}:*`));
      if (!subscribed) continue;
      if (channel === 'orders' && conn.userId !== event.userId) continue;
      conn.send(event);
    }
  }

  sendToAll(frame: unknown): void {
    for (const conn of this.open) conn.send(frame);
  }

  /** Closes every client connection with a close frame (e.g. 1001 going away). */
  closeAll(code: number, reason = ''): void {
    for (const conn of this.open) conn.ws.close(code, reason);
  }

  /** Stops listening and drops every connection without a close frame, like a killed process. */
  async kill(): Promise<void> {
    for (const conn of this.connections) conn.ws.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(ws: WebSocket): void {
    const conn = new FakeConnection(ws);
    this.connections.push(conn);
    ws.on('close', (code, reason) => (conn.closed = { code, reason: reason.toString() }));
    ws.on('message', (data) => {
      let op: any;
      try {
        op = JSON.parse(data.toString());
      } catch {
        conn.send({ type: 'error', code: 'BAD_REQUEST', message: 'not JSON' });
        return;
      }
      conn.ops.push(op);
      this.handle(conn, op);
    });
  }

  private handle(conn: FakeConnection, op: any): void {
    const id = op.id;
    switch (op.op) {
      case 'ping':
        if (this.answerPings) conn.send({ type: 'pong', id, ts: Date.now() });
        return;
      case 'auth': {
        const userId = subOf(op.token);
        if (!userId) return conn.send({ type: 'error', code: 'UNAUTHORIZED', message: 'bad token', id });
        conn.userId = userId;
        return conn.send({ type: 'authenticated', userId, id });
      }
      case 'subscribe': {
        if (!this.answerSubscribes) return;
        if (this.unknownSymbols.has(op.symbol)) return conn.send({ type: 'error', code: 'UNKNOWN_SYMBOL', message: `unknown symbol ${op.symbol}`, id });
        if (op.channel === 'orders' && !conn.userId) return conn.send({ type: 'error', code: 'UNAUTHORIZED', message: 'auth first', id });
        if (this.resumeError && (op.fromSeq !== undefined || op.fromSeqs !== undefined)) {
          return conn.send({ type: 'error', code: this.resumeError, message: 'cannot resume', id });
        }
        conn.subscriptions.add(`${op.channel}:${op.symbol}`);
        conn.send({ type: 'subscribed', channel: op.channel, symbol: op.symbol, id });
        if (op.channel === 'book') {
          const book = this.books.get(op.symbol) ?? { seq: 0, bids: [], asks: [] };
          conn.send({ type: 'OrderBookSnapshot', symbol: op.symbol, seq: book.seq, ts: Date.now(), bids: book.bids, asks: book.asks });
        }
        return;
      }
      case 'unsubscribe':
        conn.subscriptions.delete(`${op.channel}:${op.symbol}`);
        return conn.send({ type: 'unsubscribed', channel: op.channel, symbol: op.symbol, id });
      default:
        return conn.send({ type: 'error', code: 'BAD_REQUEST', message: 'unknown op', id });
    }
  }
}

/** Test tokens are unsigned JWT-shaped strings; the fake gateway trusts their `sub`. */
export function makeToken(sub: string, expSeconds?: number): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const payload: Record<string, unknown> = { sub };
  if (expSeconds !== undefined) payload.exp = expSeconds;
  return `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(payload)}.sig`;
}

function subOf(token: unknown): string | undefined {
  if (typeof token !== 'string') return undefined;
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    return typeof payload.sub === 'string' && payload.sub !== 'bad' ? payload.sub : undefined;
  } catch {
    return undefined;
  }
}

export function trade(symbol: string, seq: number, price = '100.00'): any {
  return { type: 'TradeExecuted', symbol, seq, ts: 1_700_000_000_000 + seq, tradeId: `${symbol}-T${seq}`, price, quantity: '1.0000', takerSide: 'buy' };
}

export function bookUpdate(symbol: string, seq: number, bids: [string, string][], asks: [string, string][] = []): any {
  return { type: 'OrderBookUpdate', symbol, seq, ts: 1_700_000_000_000 + seq, bids, asks };
}

export function orderUpdate(userId: string, symbol: string, seq: number): any {
  return {
    type: 'OrderUpdate', symbol, seq, ts: 1_700_000_000_000 + seq, userId, orderId: `${symbol}-${seq}`, clientOrderId: `c${seq}`,
    side: 'buy', orderType: 'limit', timeInForce: 'GTC', price: '100.00', quantity: '1.0000', filledQuantity: '0.0000',
    remainingQuantity: '1.0000', status: 'NEW',
  };
}
