import type { BookOrder } from '../book/book-order.js';

export const DEFAULT_IDEMPOTENCY_WINDOW = 1_000_000;

/** The key of a (userId, clientOrderId) pair; a space never occurs in either. */
export const idempotencyKey = (userId: string, clientOrderId: string): string => `${userId} ${clientOrderId}`;

/**
 * (userId, clientOrderId) -> order, for idempotent retries and cancel by clientOrderId.
 * Live orders are always kept; finished orders are kept in a FIFO bounded by `window` (oldest
 * finished first out) so memory stays bounded. A key evicted from the window can be reused.
 */
export class IdempotencyIndex {
  readonly live = new Map<string, BookOrder>();
  readonly done = new Map<string, BookOrder>();

  constructor(readonly window: number) {}

  get(key: string): BookOrder | undefined {
    return this.live.get(key) ?? this.done.get(key);
  }

  addLive(key: string, order: BookOrder): void {
    this.live.set(key, order);
  }

  /** Records an order that finished (filled, canceled or expired). */
  addDone(key: string, order: BookOrder): void {
    this.live.delete(key);
    if (this.window <= 0) return;
    this.done.set(key, order);
    if (this.done.size > this.window) {
      const oldest = this.done.keys().next().value as string;
      this.done.delete(oldest);
    }
  }
}
