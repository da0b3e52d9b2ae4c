import { ALL_SYMBOLS, ClientErrorCode, CloseCode, subjects, type Channel, type ClientOp, type RequestId } from '@trading/contracts';
import type { BookListener, BookSync } from '../books/book-sync.js';
import type { Identity } from '../auth/token-verifier.js';
import { AuthError } from '../auth/auth-error.js';
import type { ExpiryListener } from '../auth/expiry-timers.js';
import { RateWindow } from '../limits/rate-window.js';
import { WindowBudget } from '../limits/window-budget.js';
import { parseClientOp, requestIdOf } from '../protocol/client-op-parser.js';
import { frames } from '../protocol/server-frames.js';
import type { ClientSocket, GatewayContext } from '../gateway-context.js';
import type { Endpoint } from './endpoints.js';
import { resumeTopic } from '../resume/topic-resume.js';
import { resumeBook } from '../resume/book-resume.js';

/** Resume request of a subscribe op or an upgrade query: one seq, or per-symbol seqs for `"*"`. */
export interface ResumeRequest {
  fromSeq?: number;
  fromSeqs?: Record<string, number>;
}

/** uWS send() result meaning "dropped: over maxBackpressure". */
const SEND_DROPPED = 2;

const key = (channel: Channel, symbol: string) => `${channel}:${symbol}`;
/**
 * Resume points (subjects to look up in JetStream) one connection may start per second: each costs
 * at least one JetStream read, and one subscribe may name 100 of them. Enough for a full reconnect
 * (orders and trades of 100 symbols each), not for a loop of subscribe/unsubscribe.
 */
export const MAX_RESUME_POINTS_PER_SECOND = 200;

/**
 * One client connection: its identity, subscriptions and limits. Events never pass through here:
 * they go from NATS to uWS topics; a session only decides which topics its socket is on.
 */
export class ClientSession implements BookListener, ExpiryListener {
  ws?: ClientSocket;
  closed = false;
  /** end() has begun (it may flush the write-delay queue before the socket is closed). */
  private ending = false;
  private identity?: Identity;
  /** The instant this session waits for in ctx.expiry (its identity's expiresAt), while it waits. */
  private expiryAt?: number;
  /** Logical subscriptions `channel:symbol`, what the limit counts. */
  private readonly subscriptions = new Set<string>();
  /** Pass-through topics (NATS subjects) this socket is on. */
  private readonly topics = new Set<string>();
  // The three maps below are created on first use: most sockets never resume and many never hold a
  // book, and at 10k idle connections every empty Map costs RSS (see docs/benchmarks.md, Gateway).
  private booksMap?: Map<string, BookSync>;
  /** Topics being resumed (replay running; the socket joins the topic at the end), with their job token. */
  private resumingMap?: Map<string, object>;
  private readonly resumeBudget = new WindowBudget(MAX_RESUME_POINTS_PER_SECOND);
  /** `book` subscriptions with fromSeq waiting for their start (symbol -> seq and request id). */
  private bookResumesMap?: Map<string, { fromSeq: number; id?: RequestId }>;
  private readonly rate: RateWindow;

  constructor(
    private readonly ctx: GatewayContext,
    readonly endpoint: Endpoint,
    readonly ip: string,
    identity: Identity | undefined,
    /** What the dedicated endpoints subscribe to on open. */
    private readonly initial: { trades?: string[]; orders?: boolean; book?: BookSync; resume?: ResumeRequest },
  ) {
    this.identity = identity;
    this.rate = new RateWindow(ctx.config.maxMessagesPerSecond, ctx.config.rateLimitCloseAfter);
  }

  get userId(): string | undefined {
    return this.identity?.userId;
  }

  onOpen(ws: ClientSocket): void {
    if (this.closed) return; // closed before its deferred open ran (see websocket-server.ts); onClose released the book
    this.ws = ws;
    const { book, trades, orders } = this.initial;
    if (this.identity) this.armExpiry();
    if (book) {
      this.subscriptions.add(key('book', book.symbol));
      (this.booksMap ??= new Map()).set(book.symbol, book);
      this.ctx.metrics.subscriptions.inc();
      book.attach(this); // snapshot first
      trades?.forEach((s) => this.subscriptions.add(key('trades', s)));
    } else if (trades) {
      for (const symbol of trades) this.subscriptions.add(key('trades', symbol));
    }
    if (orders) this.subscriptions.add(key('orders', ALL_SYMBOLS));
    this.ctx.metrics.subscriptions.inc(this.subscriptions.size - (book ? 1 : 0));
    if (this.initial.resume && !book) this.resumeInitial(this.initial.resume);
    // On /ws/markets the snapshot must be the first frame: if the book is resyncing right now, the
    // trades topic is joined together with the book in startBook.
    if (!book || book.live) this.syncTopics();
  }

  onMessage(message: ArrayBuffer, isBinary: boolean): void {
    this.ctx.metrics.clientFramesIn.inc();
    const verdict = this.rate.hit(Date.now());
    if (verdict === 'close') {
      this.ctx.metrics.rateLimitCloses.inc();
      this.end(CloseCode.POLICY_VIOLATION, 'rate limit exceeded');
      return;
    }
    if (verdict === 'limit') {
      // The frame is not handled, but its id is echoed. Parsing it costs little: at most
      // RATE_LIMIT_CLOSE_AFTER such frames a second reach here before the connection is closed.
      const id = isBinary ? undefined : requestIdOf(Buffer.from(message).toString('utf8'));
      this.sendError(ClientErrorCode.RATE_LIMITED, `more than ${this.ctx.config.maxMessagesPerSecond} messages per second`, id);
      return;
    }
    if (isBinary) {
      this.sendError(ClientErrorCode.BAD_REQUEST, 'binary frames are not supported; send JSON text frames');
      return;
    }
    const parsed = parseClientOp(Buffer.from(message).toString('utf8'));
    if (!parsed.ok) {
      this.sendError(ClientErrorCode.BAD_REQUEST, parsed.message, parsed.id);
      return;
    }
    this.handle(parsed.op);
  }

  private handle(op: ClientOp): void {
    switch (op.op) {
      case 'ping':
        this.send(frames.pong(op.id));
        return;
      case 'auth':
        void this.authenticate(op.token, op.id);
        return;
      case 'subscribe':
        if (op.channel === 'book') void this.subscribeBook(op.symbol, op.id, op.fromSeq);
        else this.subscribeStream(op.channel, op.symbol, op.id, op.fromSeq !== undefined || op.fromSeqs !== undefined ? op : undefined);
        return;
      case 'unsubscribe':
        this.unsubscribe(op.channel, op.symbol, op.id);
        return;
    }
  }

  private subscribeStream(channel: 'trades' | 'orders', symbol: string, id?: RequestId, resume?: ResumeRequest): void {
    if (channel === 'orders' && !this.identity) {
      this.sendError(ClientErrorCode.UNAUTHORIZED, 'the orders channel needs a token: send {"op":"auth","token":...} first', id);
      return;
    }
    const k = key(channel, symbol);
    if (!this.subscriptions.has(k)) {
      if (!this.roomForOneMore(id)) return;
      this.subscriptions.add(k);
      this.ctx.metrics.subscriptions.inc();
      // Resume only where the socket is not live on the stream already (a repeated subscribe, or a
      // symbol that its "*" subscription covers, has nothing to replay).
      const topic = this.topicOf(channel, symbol);
      const covered = symbol !== ALL_SYMBOLS && this.subscriptions.has(key(channel, ALL_SYMBOLS));
      const points = resume && !covered && !this.topics.has(topic) ? this.resumePoints(channel, symbol, resume) : undefined;
      if (points && points.size > 0) {
        if (this.resumeBudget.take(points.size, Date.now())) {
          this.startResume(topic, points, id, frames.subscribed(channel, symbol, id));
          return;
        }
        // As for a resume point out of the window: instead of `subscribed`, and live from now on.
        this.ctx.metrics.resumes.labels('unavailable').inc();
        this.sendError(
          ClientErrorCode.RESUME_UNAVAILABLE,
          `more than ${MAX_RESUME_POINTS_PER_SECOND} resume points in one second on this connection; the subscription continues live from now`,
          id,
        );
        this.syncTopics();
        return;
      }
      this.syncTopics();
      // Ack only once the NATS subscription is in effect, so no event published after the ack is missed.
      const ack = frames.subscribed(channel, symbol, id);
      void this.ctx.interest.whenLive(topic).then(() => {
        if (!this.closed) this.send(ack);
      });
      return;
    }
    this.send(frames.subscribed(channel, symbol, id));
  }

  /** The uWS topic (= NATS subject) a stream subscription lives on. */
  private topicOf(channel: 'trades' | 'orders', symbol: string): string {
    if (channel === 'trades') return symbol === ALL_SYMBOLS ? subjects.allTrades() : subjects.trade(symbol);
    const userId = this.identity!.userId;
    return symbol === ALL_SYMBOLS ? subjects.ordersOfUser(userId) : subjects.order(userId, symbol);
  }

  /** NATS subject -> last seq the client has, for the streams a resume covers (seq is per subject). */
  private resumePoints(channel: 'trades' | 'orders', symbol: string, resume: ResumeRequest): Map<string, number> {
    const points = new Map<string, number>();
    const subjectOf = (s: string) => (channel === 'trades' ? subjects.trade(s) : subjects.order(this.identity!.userId, s));
    if (resume.fromSeq !== undefined && symbol !== ALL_SYMBOLS) points.set(subjectOf(symbol), resume.fromSeq);
    if (resume.fromSeqs && symbol === ALL_SYMBOLS) for (const [s, seq] of Object.entries(resume.fromSeqs)) points.set(subjectOf(s), seq);
    return points;
  }

  /** `?fromSeq` / `?fromSeqs` on /ws/orders and /ws/trades: resume the endpoint's topics before they go live. */
  private resumeInitial(resume: ResumeRequest): void {
    const channel = this.endpoint === 'orders' ? 'orders' : 'trades';
    if (channel === 'orders' && !this.identity) return;
    const symbols = this.endpoint === 'orders' ? [ALL_SYMBOLS] : (this.initial.trades ?? []);
    for (const symbol of symbols) {
      const points = this.resumePoints(channel, symbol, symbol === ALL_SYMBOLS ? { fromSeqs: resume.fromSeqs } : { fromSeq: resume.fromSeqs?.[symbol] ?? resume.fromSeq });
      if (points.size > 0) this.startResume(this.topicOf(channel, symbol), points);
    }
  }

  /**
   * Holds NATS interest in the topic without joining it, replays from JetStream, then joins (see
   * resumeTopic). syncTopics treats the topic as held meanwhile; removing it cancels the job.
   */
  private startResume(topic: string, points: Map<string, number>, id?: RequestId, ackFrame?: string): void {
    const token = {};
    this.ctx.interest.acquire(topic, topic.startsWith('trading.trade.') ? 'trade' : 'order');
    this.topics.add(topic);
    (this.resumingMap ??= new Map()).set(topic, token);
    const wants = (t: string) => !this.closed && this.resumingMap?.get(t) === token;
    resumeTopic(this.ctx, {
      wants,
      sendEvent: (data) => this.sendEvent(data),
      goLive: (t) => {
        this.resumingMap?.delete(t);
        this.join(t);
        this.syncTopics();
      },
      acknowledge: () => {
        if (ackFrame) this.send(ackFrame);
      },
      refuse: (code, message) => this.sendError(code, message, id),
    }, topic, points)
      .catch((err: unknown) => this.ctx.log.error({ err, topic }, 'resume failed'))
      .finally(() => {
        // Still wanted but not live (an unexpected failure): join live rather than stay silent.
        if (wants(topic)) {
          this.resumingMap?.delete(topic);
          try {
            this.join(topic);
          } catch {
            // the socket closed meanwhile: onClose gives the interest back
          }
        }
      });
  }

  private async subscribeBook(symbol: string, id?: RequestId, fromSeq?: number): Promise<void> {
    const k = key('book', symbol);
    if (this.subscriptions.has(k)) {
      this.send(frames.subscribed('book', symbol, id));
      return;
    }
    if (!this.roomForOneMore(id)) return;
    this.subscriptions.add(k); // reserved while the snapshot is fetched, so the limit holds for concurrent ops
    this.ctx.metrics.subscriptions.inc();
    const result = await this.ctx.books.acquire(symbol, this.ctx.config.natsRequestTimeoutMs);
    if (result.kind === 'unknown') {
      if (this.subscriptions.delete(k)) this.ctx.metrics.subscriptions.dec();
      if (!this.closed) this.sendError(ClientErrorCode.UNKNOWN_SYMBOL, `no engine serves ${symbol}`, id);
      return;
    }
    if (this.closed || !this.subscriptions.has(k) || this.booksMap?.has(symbol)) {
      this.ctx.books.release(result.book); // closed or unsubscribed meanwhile
      return;
    }
    (this.booksMap ??= new Map()).set(symbol, result.book);
    if (fromSeq !== undefined) (this.bookResumesMap ??= new Map()).set(symbol, { fromSeq, id });
    this.send(frames.subscribed('book', symbol, id));
    // Live: the snapshot follows at once. Pending (engine slow): it follows when the engine answers.
    result.book.attach(this);
  }

  private unsubscribe(channel: Channel, symbol: string, id?: RequestId): void {
    const k = key(channel, symbol);
    if (this.subscriptions.delete(k)) {
      this.ctx.metrics.subscriptions.dec();
      if (channel === 'book') this.dropBook(symbol);
      else this.syncTopics();
    }
    this.send(frames.unsubscribed(channel, symbol, id));
  }

  private roomForOneMore(id?: RequestId): boolean {
    if (this.subscriptions.size < this.ctx.config.maxSubscriptionsPerConnection) return true;
    this.sendError(ClientErrorCode.TOO_MANY_SUBSCRIPTIONS, `at most ${this.ctx.config.maxSubscriptionsPerConnection} subscriptions per connection`, id);
    return false;
  }

  private async authenticate(token: string, id?: RequestId): Promise<void> {
    let identity: Identity;
    try {
      identity = await this.ctx.verifier.verify(token);
    } catch (err) {
      const reason = err instanceof AuthError ? err.reason : 'malformed';
      this.ctx.metrics.authFailures.labels(reason).inc();
      if (!this.closed) this.sendError(ClientErrorCode.UNAUTHORIZED, err instanceof AuthError ? err.message : 'invalid token', id);
      return;
    }
    if (this.closed) return;
    // Switching users: the previous user's private subscriptions must not carry over.
    if (this.identity && this.identity.userId !== identity.userId) this.dropOrderSubscriptions();
    this.identity = identity;
    this.armExpiry();
    this.syncTopics();
    this.send(frames.authenticated(identity.userId, id));
  }

  /**
   * Token expiry on an open connection: `/ws/orders` exists only for private events, so it is closed
   * with 1008; on `/ws` the orders subscriptions are removed, an UNAUTHORIZED error frame says so, and
   * public subscriptions continue (a new `auth` op restores private access). On the public endpoints
   * the identity is simply forgotten.
   */
  private armExpiry(): void {
    this.disarmExpiry();
    const identity = this.identity;
    if (!identity || !Number.isFinite(identity.expiresAt)) return;
    this.expiryAt = identity.expiresAt;
    this.ctx.expiry.add(identity.expiresAt, this);
  }

  private disarmExpiry(): void {
    if (this.expiryAt === undefined) return;
    this.ctx.expiry.delete(this.expiryAt, this);
    this.expiryAt = undefined;
  }

  /** ExpiryListener: the current identity's expiresAt has passed (a new identity re-arms first). */
  onExpiryDue(): void {
    this.expiryAt = undefined;
    if (this.closed || !this.identity) return;
    if (this.identity.expiresAt > Date.now()) return this.armExpiry();
    this.onTokenExpired();
  }

  private onTokenExpired(): void {
    this.ctx.metrics.tokenExpiryCloses.inc();
    if (this.endpoint === 'orders') {
      this.end(CloseCode.POLICY_VIOLATION, 'token expired');
      return;
    }
    this.identity = undefined;
    this.dropOrderSubscriptions();
    this.syncTopics();
    // Public-only endpoints (/ws/trades, /ws/markets) carry no private stream: nothing to tell them.
    if (this.endpoint !== 'manual') return;
    this.sendError(ClientErrorCode.UNAUTHORIZED, 'token expired: orders subscriptions were removed; send a new auth op to resubscribe');
  }

  private dropOrderSubscriptions(): void {
    for (const k of [...this.subscriptions]) {
      if (k.startsWith('orders:')) {
        this.subscriptions.delete(k);
        this.ctx.metrics.subscriptions.dec();
      }
    }
  }

  /** Puts the socket on exactly the pass-through topics its subscriptions need; `*` covers single symbols. */
  private syncTopics(): void {
    if (this.closed || !this.ws) return;
    const desired = new Set<string>();
    const trades: string[] = [];
    const orders: string[] = [];
    for (const k of this.subscriptions) {
      const sep = k.indexOf(':');
      const channel = k.slice(0, sep);
      const symbol = k.slice(sep + 1);
      if (channel === 'trades') trades.push(symbol);
      else if (channel === 'orders') orders.push(symbol);
    }
    if (trades.includes(ALL_SYMBOLS)) desired.add(subjects.allTrades());
    else for (const s of trades) desired.add(subjects.trade(s));
    const userId = this.identity?.userId;
    if (userId) {
      if (orders.includes(ALL_SYMBOLS)) desired.add(subjects.ordersOfUser(userId));
      else for (const s of orders) desired.add(subjects.order(userId, s));
    }
    for (const topic of [...this.topics]) {
      if (desired.has(topic)) continue;
      this.resumingMap?.delete(topic);
      this.leave(topic);
      this.topics.delete(topic);
      this.ctx.interest.release(topic);
    }
    for (const topic of desired) {
      if (this.topics.has(topic)) continue;
      this.ctx.interest.acquire(topic, topic.startsWith('trading.trade.') ? 'trade' : 'order');
      this.topics.add(topic);
      this.join(topic);
    }
  }

  /** BookListener: the snapshot, then the live deltas, with nothing in between. */
  startBook(topic: string, snapshotFrame: string): void {
    if (this.closed || !this.ws) return;
    const symbol = topic.slice(topic.lastIndexOf('.') + 1);
    const book = this.booksMap?.get(symbol);
    if (!book) return;
    const resume = this.bookResumesMap?.get(symbol);
    if (resume) {
      this.bookResumesMap?.delete(symbol);
      this.startBookResume(book, resume.fromSeq, snapshotFrame, resume.id);
      return;
    }
    if (!this.send(snapshotFrame)) return;
    this.join(topic);
    if (this.endpoint === 'markets') this.syncTopics();
  }

  /** Deltas since the client's seq instead of a snapshot, when the retention stream has them (resumeBook). */
  private startBookResume(book: BookSync, fromSeq: number, snapshotFrame: string, id?: RequestId): void {
    const wants = () => !this.closed && this.booksMap?.get(book.symbol) === book;
    resumeBook(this.ctx, {
      wants,
      sendFrame: (frame) => (typeof frame === 'string' ? this.send(frame) : this.sendEvent(frame)),
      refuse: (code, message) => this.sendError(code, message, id),
      goLive: () => {
        if (wants()) this.join(book.topic);
      },
    }, book, fromSeq, snapshotFrame).catch((err: unknown) => this.ctx.log.error({ err, symbol: book.symbol }, 'book resume failed'));
  }

  private dropBook(symbol: string): void {
    this.bookResumesMap?.delete(symbol);
    const book = this.booksMap?.get(symbol);
    if (!book) return; // still being fetched: subscribeBook releases it when it sees the key gone
    this.booksMap?.delete(symbol);
    book.detach(this);
    if (this.ws && !this.closed) this.leave(book.topic);
    this.ctx.books.release(book);
  }

  /** One replayed or buffered event (resume): like send, and over the send buffer means slow consumer. */
  private sendEvent(data: Uint8Array): boolean {
    if (this.closed || !this.ws) return false;
    this.ctx.publisher.flush();
    const status = this.ws.send(data, false, false);
    this.ctx.guard.noteSent(data.byteLength);
    this.ctx.metrics.messagesOut.inc();
    this.ctx.metrics.bytesOut.inc(data.byteLength);
    if (status === SEND_DROPPED || this.ws.getBufferedAmount() > this.ctx.config.sendBufferBytes) {
      this.closeSlow();
      return false;
    }
    return true;
  }

  sendError(code: ClientErrorCode, message: string, id?: RequestId): void {
    this.ctx.metrics.clientErrors.labels(code).inc();
    this.send(frames.error(code, message, id));
  }

  /** Direct send; a dropped frame is never silent: the connection is closed as a slow consumer. */
  send(frame: string): boolean {
    if (this.closed || !this.ws) return false;
    this.ctx.publisher.flush();
    const status = this.ws.send(frame, false, false);
    this.ctx.guard.noteSent(frame.length);
    this.ctx.metrics.messagesOut.inc();
    if (status === SEND_DROPPED) {
      this.closeSlow();
      return false;
    }
    return true;
  }

  closeSlow(): void {
    if (this.closed || this.ending || !this.ws) return;
    this.ctx.metrics.slowConsumerCloses.inc();
    // No flush: the socket is over its send buffer, and publishing could re-enter the sweep that called this.
    this.end(CloseCode.SLOW_CONSUMER, 'slow consumer: send buffer overflow', false);
  }

  end(code: number, reason: string, flushFirst = true): void {
    if (this.closed || this.ending || !this.ws) return;
    this.ending = true;
    // Events queued by the write delay before the close still reach this socket first. The flush
    // may close this very socket (send-buffer sweep): `ending` stops a second end.
    if (flushFirst) this.ctx.publisher.flush();
    if (!this.closed) this.ws.end(code, reason);
  }

  /**
   * Joins a uWS topic. With WRITE_DELAY_MS, events queued before this moment must not reach the
   * socket (it was not subscribed when they arrived: a snapshot or replay it got already covers
   * them), so the queue is published first; likewise before leaving a topic.
   */
  private join(topic: string): void {
    this.ctx.publisher.flush();
    this.ws!.subscribe(topic);
  }

  private leave(topic: string): void {
    this.ctx.publisher.flush();
    // uWS writes published frames at the end of the loop iteration and drops those still pending
    // for a socket that unsubscribes first; any send writes them first. A ping does that without a
    // data frame (the client's WebSocket stack answers it; the application never sees it).
    if (this.ctx.publisher.publishedThisTurn(topic)) this.ws!.ping();
    this.ws!.unsubscribe(topic);
  }

  /** uWS already removed the socket from its topics; give back NATS interest and book references. */
  onClose(): void {
    this.closed = true;
    // Closed before onOpen ran: the book reference taken at the upgrade is not in booksMap yet.
    if (!this.ws && this.initial.book) this.ctx.books.release(this.initial.book);
    this.resumingMap?.clear();
    this.disarmExpiry();
    for (const topic of this.topics) this.ctx.interest.release(topic);
    this.topics.clear();
    for (const book of this.booksMap?.values() ?? []) {
      book.detach(this);
      this.ctx.books.release(book);
    }
    this.booksMap?.clear();
    this.ctx.metrics.subscriptions.dec(this.subscriptions.size);
    this.subscriptions.clear();
  }
}
