import { isSymbol } from '@trading/contracts';
import type { Logger } from '../logging/logger.js';
import type { GatewayMetrics } from '../admin/gateway-metrics.js';
import type { NatsLink } from '../nats/nats-link.js';
import type { TopicPublisher } from '../subscriptions/topic-publisher.js';
import { BookSync } from './book-sync.js';

export type BookAcquireResult = { kind: 'live' | 'pending'; book: BookSync } | { kind: 'unknown' };

/**
 * One BookSync per symbol with local interest, reference-counted: made for the first subscriber,
 * closed (NATS subscription removed) after the last one leaves. Which symbols exist is learned from
 * the engines: no-responders on the snapshot request means "unknown symbol".
 */
export class BookRegistry {
  private readonly books = new Map<string, BookSync>();

  constructor(
    private readonly link: NatsLink,
    private readonly publisher: TopicPublisher,
    private readonly metrics: GatewayMetrics,
    private readonly log: Logger,
    private readonly requestTimeoutMs: number,
    private readonly onSubjectCountChange: () => void,
  ) {}

  get size(): number {
    return this.books.size;
  }

  /**
   * Takes a reference on the symbol's book and waits up to `waitMs` for its first snapshot.
   * 'pending' = no engine answered in time yet (the sync keeps retrying); 'unknown' = no engine owns it
   * (the reference is already given back).
   */
  async acquire(symbol: string, waitMs: number): Promise<BookAcquireResult> {
    if (!isSymbol(symbol)) return { kind: 'unknown' };
    let book = this.books.get(symbol);
    if (!book) {
      book = new BookSync(symbol, this.link, this.publisher, this.metrics, this.log, this.requestTimeoutMs);
      this.books.set(symbol, book);
      book.start();
      this.onSubjectCountChange();
    }
    book.refs++;
    if (book.live) return { kind: 'live', book };
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      book.firstSync,
      new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), waitMs))),
    ]);
    clearTimeout(timer);
    if (outcome === 'unknown') {
      this.release(book);
      return { kind: 'unknown' };
    }
    return { kind: outcome, book };
  }

  release(book: BookSync): void {
    if (--book.refs > 0) return;
    book.close();
    if (this.books.get(book.symbol) === book) {
      this.books.delete(book.symbol);
      this.onSubjectCountChange();
    }
  }

  onReconnect(): void {
    for (const book of this.books.values()) book.onReconnect();
  }

  closeAll(): void {
    for (const book of this.books.values()) book.close();
    this.books.clear();
  }
}
