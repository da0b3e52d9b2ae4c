import type { AuthenticatedFrame, Channel, OrderUpdate, RequestId, TradeExecuted } from '@trading/contracts';
import { LocalOrderBook } from '../book/local-order-book.js';
import { backoffDelay } from '../connection/backoff.js';
import { ReplicaRotation } from '../connection/replica-rotation.js';
import { hardClose, WS_OPEN, type WebSocketLike } from '../connection/websocket-like.js';
import {
  ClientClosedError,
  ClientSdkErrorCode,
  describe,
  GatewayError,
  InvalidArgumentError,
  RequestTimeoutError,
  TokenProviderError,
  TradingClientError,
} from '../errors.js';
import { isEventFrame, parseInboundFrame, type ControlFrame, type EventFrame, type OutboundOp, type OutboundSubscribe } from '../protocol/frames.js';
import { SeqTracker } from '../streams/seq-tracker.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import type { ClientState, ClientStats, ReplicaState, ReplicaStatus, StateChange, StreamGap, TradingClientEvents } from './client-events.js';
import { resolveOptions, type ResolvedOptions, type TokenProvider, type TradingClientOptions } from './options.js';
import { BookSubscription, OrdersSubscription, Subscription, TradesSubscription, type SubscriptionOwner } from './subscriptions.js';
import { tokenRefreshDelay } from './token-schedule.js';

/** Close codes the SDK reports for connections it dropped itself (never sent by a gateway). */
export const LocalCloseCode = {
  /** `close()` was called. */
  CLIENT_CLOSED: 1000,
  /** No frame arrived within `pongTimeoutMs` after a ping. */
  HEARTBEAT_TIMEOUT: 4000,
  /** The socket did not open within `connectTimeoutMs`. */
  CONNECT_TIMEOUT: 4001,
} as const;

/** Same pattern as the contract's SYMBOL_PATTERN; repeated so no runtime code of @trading/contracts enters browser bundles. */
const SYMBOL_PATTERN = /^[A-Z0-9]{1,12}-[A-Z0-9]{1,12}$/;
const TOKEN_RETRY_MS = 5_000;
const GRACEFUL_CLOSE_MS = 1_000;

type AnySubscription = Subscription<any>;

/** One gateway subscription (channel, symbol), shared by every handle on it. */
interface Wire {
  key: string;
  channel: Channel;
  symbol: string;
  handles: Set<AnySubscription>;
  state: 'pending' | 'active';
  everActive: boolean;
  /** Id of the subscribe request in flight. */
  requestId?: RequestId;
  /** Set after RESUME_UNAVAILABLE so the retry subscribes live. */
  skipResume: boolean;
  book?: LocalOrderBook;
}

interface PendingRequest {
  op: string;
  timer: ReturnType<typeof setTimeout>;
  onAck(frame: ControlFrame): void;
  onError(error: TradingClientError): void;
  /** The connection went away before an answer. */
  onLost(): void;
}

/** One socket to one replica, with everything that dies with it. */
interface Connection {
  socket: WebSocketLike;
  url: string;
  opened: boolean;
  openedAt: number;
  authenticated: boolean;
  pending: Map<RequestId, PendingRequest>;
  connectTimer?: ReturnType<typeof setTimeout>;
  heartbeatTimer?: ReturnType<typeof setInterval>;
  pongTimer?: ReturnType<typeof setTimeout>;
  tokenTimer?: ReturnType<typeof setTimeout>;
  gone: boolean;
  onGone: (() => void)[];
}

/**
 * A client of the gateway's `/ws` endpoint that keeps its subscriptions alive across replica
 * failures: jittered exponential backoff, round-robin failover, re-authentication and
 * re-subscription after every reconnect, heartbeats, local order books and gap detection.
 *
 * ```ts
 * const client = new TradingClient({ urls: ['wss://a/ws', 'wss://b/ws'], getToken });
 * client.subscribeTrades('BTC-USD').on('trade', (t) => console.log(t.price));
 * await client.connect();
 * ```
 */
export class TradingClient extends TypedEmitter<TradingClientEvents> {
  private readonly options: ResolvedOptions;
  private readonly rotation: ReplicaRotation;
  private readonly wires = new Map<string, Wire>();
  private readonly seqs = new SeqTracker();
  private readonly replicaStatus = new Map<string, ReplicaStatus>();
  private readonly owner: SubscriptionOwner = { release: (handle) => this.release(handle) };
  private readonly counters: ClientStats = { connections: 0, duplicatesDropped: 0, gaps: 0, bookResyncs: 0, protocolErrors: 0 };
  private conn?: Connection;
  private clientState: ClientState = 'idle';
  private failures = 0;
  private reconnectTimer?: ReturnType<typeof setTimeout>;
  private nextRequestId = 1;
  private tokenProvider?: TokenProvider;
  private authenticatedUserId?: string;
  private openWaiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];

  constructor(options: TradingClientOptions) {
    super();
    this.options = resolveOptions(options);
    this.tokenProvider = this.options.getToken;
    const start = this.options.randomStart ? Math.floor(this.options.random() * this.options.urls.length) : 0;
    this.rotation = new ReplicaRotation(this.options.urls, start);
    for (const url of this.options.urls) this.replicaStatus.set(url, { url, state: 'idle', since: Date.now() });
  }

  get state(): ClientState {
    return this.clientState;
  }

  /** The replica of the current (or currently attempted) connection. */
  get url(): string | undefined {
    return this.conn?.url;
  }

  /** The user id the gateway confirmed with the last `authenticated` frame. */
  get userId(): string | undefined {
    return this.authenticatedUserId;
  }

  /** Status of every configured replica, for a status panel. */
  replicas(): ReplicaStatus[] {
    return this.options.urls.map((url) => ({ ...this.replicaStatus.get(url)! }));
  }

  stats(): ClientStats {
    return { ...this.counters };
  }

  /** Last seq seen per stream: `{ trades: {SYMBOL: seq}, orders: {...}, book: {...} }` (resume uses it). */
  lastSeqs(): Record<Channel, Record<string, number>> {
    const result: Record<Channel, Record<string, number>> = { trades: {}, orders: {}, book: {} };
    for (const [stream, seq] of this.seqs.entries()) {
      const [channel, symbol] = splitStream(stream);
      result[channel][symbol] = seq;
    }
    for (const wire of this.wires.values()) if (wire.book && wire.book.status !== 'awaiting-snapshot') result.book[wire.symbol] = wire.book.seq;
    return result;
  }

  /** Starts connecting (if not already) and resolves once a connection is open. Retries forever until `close()`. */
  connect(): Promise<void> {
    if (this.clientState === 'closed') return Promise.reject(new ClientClosedError());
    if (this.clientState === 'open') return Promise.resolve();
    const opened = new Promise<void>((resolve, reject) => this.openWaiters.push({ resolve, reject }));
    opened.catch(() => undefined);
    if (this.clientState === 'idle') this.openSocket();
    return opened;
  }

  /** Closes the connection (code 1000), stops reconnecting and ends every subscription. */
  async close(): Promise<void> {
    if (this.clientState === 'closed') return;
    this.clientState = 'closed';
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    for (const waiter of this.openWaiters.splice(0)) waiter.reject(new ClientClosedError());
    for (const wire of this.wires.values()) {
      for (const handle of wire.handles) {
        handle._fail(new ClientClosedError(), false);
        handle._detach();
      }
      wire.book?.removeAllListeners();
    }
    this.wires.clear();
    const conn = this.conn;
    if (conn) {
      if (conn.opened && conn.socket.readyState === WS_OPEN) {
        const gone = new Promise<void>((resolve) => conn.onGone.push(resolve));
        try {
          conn.socket.close(LocalCloseCode.CLIENT_CLOSED, 'client closed');
        } catch {
          // Closing an already-closing socket: the drop below handles it.
        }
        const timer = setTimeout(() => this.dropConnection(conn, LocalCloseCode.CLIENT_CLOSED, 'client closed'), GRACEFUL_CLOSE_MS);
        await gone;
        clearTimeout(timer);
      } else {
        this.dropConnection(conn, LocalCloseCode.CLIENT_CLOSED, 'client closed');
      }
    }
    this.emit('state', { state: 'closed' });
  }

  /**
   * Sets (or clears) the token provider, e.g. after the user signs in. When connected, it
   * authenticates right away and then subscribes the pending `orders` subscriptions.
   */
  setTokenProvider(getToken: TokenProvider | undefined): void {
    if (getToken !== undefined && typeof getToken !== 'function') throw new InvalidArgumentError('getToken', 'must be a function');
    this.tokenProvider = getToken;
    const conn = this.conn;
    if (conn?.opened && getToken) {
      if (conn.tokenTimer) clearTimeout(conn.tokenTimer);
      void this.authenticate(conn);
    }
  }

  /** Public trades of one symbol, or of every symbol with `'*'`. */
  subscribeTrades(symbol = '*'): TradesSubscription {
    this.checkSymbol(symbol, true);
    const handle = new TradesSubscription('trades', symbol, this.owner);
    this.attach(handle);
    return handle;
  }

  /** The authenticated user's order updates for one symbol or `'*'` (needs `getToken` or a token in the URL). */
  subscribeOrders(symbol = '*'): OrdersSubscription {
    this.checkSymbol(symbol, true);
    const handle = new OrdersSubscription('orders', symbol, this.owner);
    this.attach(handle);
    return handle;
  }

  /** A local order book for one symbol, kept from the gateway's snapshot and deltas. */
  subscribeBook(symbol: string): BookSubscription {
    this.checkSymbol(symbol, false);
    const wire = this.acquireWire('book', symbol);
    const handle = new BookSubscription(symbol, this.owner, wire.book!);
    this.attach(handle, wire);
    return handle;
  }

  // ---- subscriptions ---------------------------------------------------------------------------

  private checkSymbol(symbol: string, allowAll: boolean): void {
    if (this.clientState === 'closed') throw new ClientClosedError();
    if (allowAll && symbol === '*') return;
    if (typeof symbol !== 'string' || !SYMBOL_PATTERN.test(symbol)) {
      throw new InvalidArgumentError('symbol', `${JSON.stringify(symbol)} is not a symbol like "BTC-USD"${allowAll ? ' or "*"' : ''}`);
    }
  }

  private attach(handle: AnySubscription, wire = this.acquireWire(handle.channel, handle.symbol)): void {
    wire.handles.add(handle);
    if (wire.state === 'active') {
      // Already live for another handle: tell this one once the caller had a chance to add listeners.
      queueMicrotask(() => {
        handle._emit('subscribed', { channel: wire.channel, symbol: wire.symbol, resumed: false });
        if (wire.book?.status === 'synced') handle._emit('snapshot', wire.book);
      });
    }
  }

  private acquireWire(channel: Channel, symbol: string): Wire {
    const key = `${channel}:${symbol}`;
    let wire = this.wires.get(key);
    if (wire) return wire;
    wire = { key, channel, symbol, handles: new Set(), state: 'pending', everActive: false, skipResume: false };
    if (channel === 'book') wire.book = this.createBook(wire);
    this.wires.set(key, wire);
    const conn = this.conn;
    if (conn?.opened && this.maySubscribe(conn, wire)) this.sendSubscribe(conn, wire);
    return wire;
  }

  private createBook(wire: Wire): LocalOrderBook {
    const book = new LocalOrderBook(wire.symbol);
    book.on('snapshot', () => this.forHandles(wire, (h) => h._emit('snapshot', book)));
    book.on('update', (change) => this.forHandles(wire, (h) => h._emit('update', change)));
    book.on('gap', (gap) => {
      this.reportGap({ channel: 'book', symbol: wire.symbol, stream: wire.key, expected: gap.expected, received: gap.received, reason: 'seq', resync: true }, [wire]);
      this.resyncBook(wire, 'gap');
    });
    return book;
  }

  /** Orders subscriptions wait for authentication when a token provider is set. */
  private maySubscribe(conn: Connection, wire: Wire): boolean {
    return wire.channel !== 'orders' || !this.tokenProvider || conn.authenticated;
  }

  private async release(handle: AnySubscription): Promise<void> {
    const wire = this.wires.get(`${handle.channel}:${handle.symbol}`);
    if (!wire || !wire.handles.delete(handle) || wire.handles.size > 0) return;
    this.wires.delete(wire.key);
    wire.book?.removeAllListeners();
    this.forgetStreams(wire);
    const conn = this.conn;
    if (!conn?.opened || conn.gone) return;
    // Never sent on this connection (e.g. orders waiting for auth): nothing to undo at the gateway.
    if (wire.state !== 'active' && wire.requestId === undefined) return;
    await new Promise<void>((resolve) => {
      this.request(conn, { op: 'unsubscribe', channel: wire.channel, symbol: wire.symbol, id: this.nextRequestId++ }, {
        onAck: () => resolve(),
        onError: (error) => {
          // Local state is gone either way; the error is still worth surfacing.
          this.emit('error', error);
          resolve();
        },
        onLost: () => resolve(),
      });
    });
  }

  /** Drops the last-seq records no remaining subscription covers (a later subscribe starts fresh). */
  private forgetStreams(wire: Wire): void {
    if (wire.channel === 'book') return;
    if (wire.symbol !== '*') {
      if (!this.wires.has(`${wire.channel}:*`)) this.seqs.delete(wire.key);
      return;
    }
    for (const [stream] of this.seqs.entries()) {
      if (stream.startsWith(`${wire.channel}:`) && !this.wires.has(stream)) this.seqs.delete(stream);
    }
  }

  private sendSubscribe(conn: Connection, wire: Wire): void {
    const id = this.nextRequestId++;
    const op: OutboundSubscribe = { op: 'subscribe', channel: wire.channel, symbol: wire.symbol, id };
    const resumeFrom = this.options.resume && wire.everActive && !wire.skipResume ? this.resumePoint(wire) : undefined;
    if (resumeFrom) Object.assign(op, resumeFrom);
    wire.skipResume = false;
    wire.state = 'pending';
    wire.requestId = id;
    const current = () => this.wires.get(wire.key) === wire && wire.requestId === id;
    this.request(conn, op, {
      onAck: () => {
        if (!current()) return;
        wire.state = 'active';
        wire.everActive = true;
        wire.requestId = undefined;
        this.forHandles(wire, (h) => h._emit('subscribed', { channel: wire.channel, symbol: wire.symbol, resumed: resumeFrom !== undefined }));
      },
      onError: (error) => {
        if (!current()) return;
        wire.requestId = undefined;
        if (error.code === 'RESUME_UNAVAILABLE' && resumeFrom) {
          this.reportResumeUnavailable(wire, resumeFrom);
          wire.skipResume = true;
          if (conn === this.conn && !conn.gone) this.sendSubscribe(conn, wire);
          return;
        }
        this.forHandles(wire, (h) => h._fail(error));
      },
      onLost: () => undefined,
    });
  }

  /** `fromSeq` / `fromSeqs` for a resuming subscribe, or undefined when nothing was seen yet. */
  private resumePoint(wire: Wire): Pick<OutboundSubscribe, 'fromSeq' | 'fromSeqs'> | undefined {
    if (wire.channel === 'book') return undefined;
    if (wire.symbol !== '*') {
      const last = this.seqs.get(wire.key);
      return last === undefined ? undefined : { fromSeq: last };
    }
    const fromSeqs: Record<string, number> = {};
    for (const [stream, seq] of this.seqs.entries()) {
      const [channel, symbol] = splitStream(stream);
      if (channel === wire.channel) fromSeqs[symbol] = seq;
    }
    return Object.keys(fromSeqs).length > 0 ? { fromSeqs } : undefined;
  }

  private reportResumeUnavailable(wire: Wire, from: Pick<OutboundSubscribe, 'fromSeq' | 'fromSeqs'>): void {
    const points: [string, number][] = from.fromSeq !== undefined ? [[wire.symbol, from.fromSeq]] : Object.entries(from.fromSeqs ?? {});
    for (const [symbol, seq] of points) {
      const stream = `${wire.channel}:${symbol}`;
      // Another subscription covering this stream (symbol and "*") may have reported it already.
      if (this.seqs.get(stream) === undefined) continue;
      // The live stream restarts from whatever comes next; forgetting the old seq avoids reporting the same loss twice.
      this.seqs.delete(stream);
      this.reportGap({ channel: wire.channel, symbol, stream, expected: seq + 1, reason: 'resume-unavailable', resync: false }, [wire]);
    }
  }

  private resyncBook(wire: Wire, reason: 'gap' | 'bad-frame'): void {
    this.counters.bookResyncs++;
    wire.book?.markResyncing();
    this.forHandles(wire, (h) => h._emit('resync', { symbol: wire.symbol, reason }));
    const conn = this.conn;
    if (!conn?.opened || conn.gone) return; // the reconnect re-subscribes anyway
    // Unsubscribe + subscribe: the gateway answers a fresh subscription with a fresh snapshot.
    this.request(conn, { op: 'unsubscribe', channel: 'book', symbol: wire.symbol, id: this.nextRequestId++ }, {
      onAck: () => undefined,
      onError: () => undefined,
      onLost: () => undefined,
    });
    this.sendSubscribe(conn, wire);
  }

  private reportGap(gap: StreamGap, wires: Wire[]): void {
    this.counters.gaps++;
    this.emit('gap', gap);
    for (const wire of wires) this.forHandles(wire, (h) => h._emit('gap', gap));
  }

  private forHandles(wire: Wire, fn: (handle: any) => void): void {
    for (const handle of [...wire.handles]) fn(handle);
  }

  // ---- connection lifecycle --------------------------------------------------------------------

  private openSocket(): void {
    if (this.clientState === 'closed') return;
    const url = this.rotation.current;
    this.setState({ state: 'connecting', url });
    this.setReplica(url, 'connecting');
    this.emit('connecting', { url, attempt: this.failures });
    let socket: WebSocketLike;
    try {
      socket = new this.options.WebSocket(url);
    } catch (err) {
      // A constructor throws synchronously for a malformed URL; treat it like a failed attempt.
      const placeholder = { readyState: 3, send() {}, close() {}, onopen: null, onmessage: null, onclose: null, onerror: null } as WebSocketLike;
      const conn = this.newConnection(placeholder, url);
      this.emit('error', new TradingClientError(ClientSdkErrorCode.CONNECT_FAILED, `cannot open ${url}: ${describe(err)}`, { cause: err }));
      this.onConnectionLost(conn, 1006, describe(err));
      return;
    }
    const conn = this.newConnection(socket, url);
    conn.connectTimer = setTimeout(() => this.dropConnection(conn, LocalCloseCode.CONNECT_TIMEOUT, 'connect timeout'), this.options.connectTimeoutMs);
    socket.onopen = () => this.onOpen(conn);
    socket.onmessage = (event) => this.onMessage(conn, event.data);
    socket.onclose = (event) => this.onConnectionLost(conn, event.code, event.reason);
    // The close event that follows carries the code; an error listener must exist (ws throws without one).
    socket.onerror = () => undefined;
  }

  private newConnection(socket: WebSocketLike, url: string): Connection {
    const conn: Connection = { socket, url, opened: false, openedAt: 0, authenticated: false, pending: new Map(), gone: false, onGone: [] };
    this.conn = conn;
    return conn;
  }

  private onOpen(conn: Connection): void {
    if (conn !== this.conn || conn.gone) return;
    clearTimeout(conn.connectTimer);
    conn.opened = true;
    conn.openedAt = Date.now();
    this.counters.connections++;
    this.setReplica(conn.url, 'open');
    this.setState({ state: 'open', url: conn.url });
    this.emit('open', { url: conn.url });
    for (const waiter of this.openWaiters.splice(0)) waiter.resolve();
    this.startHeartbeat(conn);
    if (this.tokenProvider) void this.authenticate(conn);
    for (const wire of this.wires.values()) if (this.maySubscribe(conn, wire)) this.sendSubscribe(conn, wire);
  }

  private startHeartbeat(conn: Connection): void {
    const { heartbeatIntervalMs, pongTimeoutMs } = this.options;
    if (heartbeatIntervalMs <= 0) return;
    conn.heartbeatTimer = setInterval(() => {
      if (conn !== this.conn || conn.gone) return;
      this.send(conn, { op: 'ping', id: this.nextRequestId++ });
      // Any frame that arrives clears this deadline: a busy but alive gateway is not stale.
      conn.pongTimer ??= setTimeout(() => this.dropConnection(conn, LocalCloseCode.HEARTBEAT_TIMEOUT, 'heartbeat timeout'), pongTimeoutMs);
    }, heartbeatIntervalMs);
  }

  private async authenticate(conn: Connection): Promise<void> {
    const provider = this.tokenProvider;
    if (!provider) return;
    let token: string;
    try {
      token = await provider();
      if (typeof token !== 'string' || token.length === 0) throw new Error('it returned no token string');
    } catch (err) {
      if (conn !== this.conn || conn.gone) return;
      this.emit('error', new TokenProviderError(err));
      conn.tokenTimer = setTimeout(() => void this.authenticate(conn), TOKEN_RETRY_MS);
      return;
    }
    if (conn !== this.conn || conn.gone || !conn.opened) return;
    this.request(conn, { op: 'auth', token, id: this.nextRequestId++ }, {
      onAck: (frame) => this.onAuthenticated(conn, frame as AuthenticatedFrame, token),
      onError: (error) => {
        this.emit('error', error);
        for (const wire of this.wires.values()) if (wire.channel === 'orders' && wire.state !== 'active') this.forHandles(wire, (h) => h._fail(error));
      },
      onLost: () => undefined,
    });
  }

  private onAuthenticated(conn: Connection, frame: AuthenticatedFrame, token: string): void {
    const userId = typeof frame.userId === 'string' ? frame.userId : '';
    // Another user's order streams have their own seqs: never compare them with the previous user's.
    if (this.authenticatedUserId !== undefined && this.authenticatedUserId !== userId) this.seqs.deletePrefix('orders:');
    this.authenticatedUserId = userId;
    const firstOnConnection = !conn.authenticated;
    conn.authenticated = true;
    this.emit('authenticated', { userId });
    if (firstOnConnection) {
      for (const wire of this.wires.values()) {
        if (wire.channel === 'orders' && wire.state !== 'active' && wire.requestId === undefined) this.sendSubscribe(conn, wire);
      }
    }
    let delay: number | undefined;
    try {
      delay = tokenRefreshDelay(token, this.options.tokenRefreshMarginMs, Date.now());
    } catch (err) {
      this.emit('error', err as TradingClientError);
      return;
    }
    if (delay !== undefined && conn === this.conn && !conn.gone) {
      if (conn.tokenTimer) clearTimeout(conn.tokenTimer);
      conn.tokenTimer = setTimeout(() => void this.authenticate(conn), delay);
    }
  }

  private onMessage(conn: Connection, data: unknown): void {
    if (conn !== this.conn || conn.gone) return;
    if (conn.pongTimer) {
      clearTimeout(conn.pongTimer);
      conn.pongTimer = undefined;
    }
    let frame;
    try {
      frame = parseInboundFrame(data);
    } catch (err) {
      this.counters.protocolErrors++;
      this.emit('error', err as TradingClientError);
      return;
    }
    if (isEventFrame(frame)) this.onEvent(frame);
    else this.onControl(conn, frame);
  }

  private onControl(conn: Connection, frame: ControlFrame): void {
    const id = frame.id;
    const pending = id !== undefined ? conn.pending.get(id) : undefined;
    if (pending) {
      conn.pending.delete(id!);
      clearTimeout(pending.timer);
    }
    if (frame.type === 'error') {
      const error = new GatewayError(String(frame.code ?? 'UNKNOWN'), String(frame.message ?? ''), id, pending?.op);
      if (pending) pending.onError(error);
      else this.emit('error', error);
      return;
    }
    pending?.onAck(frame);
  }

  private onEvent(frame: EventFrame): void {
    switch (frame.type) {
      case 'OrderBookSnapshot':
      case 'OrderBookUpdate': {
        const wire = this.wires.get(`book:${frame.symbol}`);
        if (!wire?.book) return;
        try {
          if (frame.type === 'OrderBookSnapshot') wire.book.applySnapshot(frame);
          else if (wire.book.applyUpdate(frame) === 'duplicate') this.counters.duplicatesDropped++;
        } catch (err) {
          this.counters.protocolErrors++;
          this.emit('error', err as TradingClientError);
          this.resyncBook(wire, 'bad-frame');
        }
        return;
      }
      case 'TradeExecuted':
        this.deliver('trades', frame, (h, e) => h._emit('trade', e as TradeExecuted));
        return;
      case 'OrderUpdate':
        this.deliver('orders', frame, (h, e) => h._emit('order', e as OrderUpdate));
        return;
    }
  }

  /** Seq check once per stream, then delivery to the symbol's and the `"*"` subscriptions. */
  private deliver(channel: 'trades' | 'orders', event: TradeExecuted | OrderUpdate, emit: (h: any, e: TradeExecuted | OrderUpdate) => void): void {
    const targets = [this.wires.get(`${channel}:${event.symbol}`), this.wires.get(`${channel}:*`)].filter((w): w is Wire => w !== undefined);
    if (targets.length === 0) return;
    const stream = `${channel}:${event.symbol}`;
    const verdict = this.seqs.observe(stream, event.seq);
    if (verdict.kind === 'duplicate') {
      this.counters.duplicatesDropped++;
      return;
    }
    if (verdict.kind === 'gap') {
      this.reportGap({ channel, symbol: event.symbol, stream, expected: verdict.expected, received: verdict.received, reason: 'seq', resync: false }, targets);
    }
    for (const wire of targets) this.forHandles(wire, (h) => emit(h, event));
  }

  private request(conn: Connection, op: OutboundOp, handlers: Omit<PendingRequest, 'op' | 'timer'>): void {
    const timer = setTimeout(() => {
      if (!conn.pending.delete(op.id)) return;
      handlers.onError(new RequestTimeoutError(op.op, this.options.requestTimeoutMs));
    }, this.options.requestTimeoutMs);
    conn.pending.set(op.id, { op: op.op, timer, ...handlers });
    this.send(conn, op);
  }

  private send(conn: Connection, op: OutboundOp): void {
    try {
      conn.socket.send(JSON.stringify(op));
    } catch {
      // The socket is closing; its close event triggers the reconnect that re-sends what matters.
    }
  }

  /** Abandons a socket at once (stale, connect timeout, close timeout) without waiting for its close event. */
  private dropConnection(conn: Connection, code: number, reason: string): void {
    if (conn.gone) return;
    conn.socket.onopen = conn.socket.onmessage = conn.socket.onclose = null;
    hardClose(conn.socket, code, reason);
    this.onConnectionLost(conn, code, reason);
  }

  private onConnectionLost(conn: Connection, code: number, reason: string): void {
    if (conn.gone) return;
    conn.gone = true;
    for (const timer of [conn.connectTimer, conn.pongTimer, conn.tokenTimer]) if (timer) clearTimeout(timer);
    if (conn.heartbeatTimer) clearInterval(conn.heartbeatTimer);
    for (const pending of conn.pending.values()) {
      clearTimeout(pending.timer);
      pending.onLost();
    }
    conn.pending.clear();
    for (const resolve of conn.onGone.splice(0)) resolve();
    if (conn !== this.conn) return;
    this.conn = undefined;
    for (const wire of this.wires.values()) {
      wire.state = 'pending';
      wire.requestId = undefined;
      if (wire.book?.status === 'synced') {
        wire.book.markResyncing();
        this.forHandles(wire, (h) => h._emit('resync', { symbol: wire.symbol, reason: 'reconnect' }));
      }
    }
    if (conn.opened && Date.now() - conn.openedAt >= this.options.stableAfterMs) this.failures = 0;
    this.setReplica(conn.url, 'closed', code, reason);
    if (this.clientState === 'closed') {
      this.emit('close', { url: conn.url, code, reason, willReconnect: false });
      return;
    }
    const delayMs = backoffDelay(this.failures, this.options.backoff, this.options.random);
    this.failures++;
    const nextUrl = this.rotation.advance();
    this.emit('close', { url: conn.url, code, reason, willReconnect: true, delayMs, nextUrl });
    this.setState({ state: 'reconnecting', url: conn.url, code, reason });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.openSocket();
    }, delayMs);
  }

  private setState(change: StateChange): void {
    if (this.clientState === 'closed') return;
    this.clientState = change.state;
    this.emit('state', change);
  }

  private setReplica(url: string, state: ReplicaState, code?: number, reason?: string): void {
    const status: ReplicaStatus = { url, state, since: Date.now() };
    if (code !== undefined) status.code = code;
    if (reason !== undefined) status.reason = reason;
    this.replicaStatus.set(url, status);
    this.emit('replica', { ...status });
  }
}

function splitStream(stream: string): [Channel, string] {
  const colon = stream.indexOf(':');
  return [stream.slice(0, colon) as Channel, stream.slice(colon + 1)];
}
