import type { BookOrder } from '../book/book-order.js';

export const DEFAULT_IDEMPOTENCY_WINDOW = 1_000_000;

/**
 * (userId, clientOrderId) -> order, for idempotent retries and cancel by clientOrderId.
 * Live orders are always kept; finished orders are kept in a FIFO bounded by `window` (oldest
 * finished first out) so memory stays bounded. A key evicted from the window can be reused.
 *
 * One map per user holds both kinds (an order is live while it rests on the book), and finishing an
 * order is a push onto a queue: the per-command cost is two map lookups and at most one insertion,
 * with no key string to build and hash.
 */
export class IdempotencyIndex {
  private readonly byUser = new Map<string, Map<string, BookOrder>>();
  /** Finished orders still in the window, oldest first, from `head`. */
  private queue: (BookOrder | undefined)[] = [];
  private head = 0;

  constructor(readonly window: number) {}

  get(userId: string, clientOrderId: string): BookOrder | undefined {
    return this.byUser.get(userId)?.get(clientOrderId);
  }

  /** The live (resting) order with this key, if any. */
  getLive(userId: string, clientOrderId: string): BookOrder | undefined {
    const order = this.byUser.get(userId)?.get(clientOrderId);
    return order !== undefined && order.level !== null ? order : undefined;
  }

  /** Records a new order under (owner, clientOrderId), live or already finished (see `finished`). */
  add(order: BookOrder): void {
    let orders = this.byUser.get(order.owner);
    if (orders === undefined) {
      orders = new Map();
      this.byUser.set(order.owner, orders);
    }
    orders.set(order.clientOrderId, order);
  }

  private remove(order: BookOrder): void {
    const orders = this.byUser.get(order.owner);
    if (orders === undefined || orders.get(order.clientOrderId) !== order) return;
    orders.delete(order.clientOrderId);
    if (orders.size === 0) this.byUser.delete(order.owner);
  }

  /** Marks an order as finished (filled, canceled or expired): it now counts against the window. */
  finished(order: BookOrder): void {
    if (this.window <= 0) {
      this.remove(order);
      return;
    }
    this.queue.push(order);
    if (this.queue.length - this.head > this.window) {
      const oldest = this.queue[this.head] as BookOrder;
      this.queue[this.head++] = undefined;
      this.remove(oldest);
      // Compact now and then so the array does not grow without bound.
      if (this.head >= 65_536 && this.head * 2 >= this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
    }
  }

  get finishedCount(): number {
    return this.queue.length - this.head;
  }

  /** Finished orders in the window, oldest first. */
  *finishedOrders(): IterableIterator<BookOrder> {
    for (let i = this.head; i < this.queue.length; i++) yield this.queue[i] as BookOrder;
  }
}
