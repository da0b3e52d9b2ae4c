import type { BookOrder } from './book-order.js';
import type { SideCode } from './codes.js';

/** All resting orders at one price, in time priority (FIFO), with their total remaining lots. */
export class PriceLevel {
  head: BookOrder | null = null;
  tail: BookOrder | null = null;
  total = 0;
  count = 0;
  /** Sort key: price for bids, -price for asks, so that the best level always has the largest key. */
  readonly key: number;
  /** Last command that touched this level; lets a command list each changed level once. */
  touchedAt = 0;

  constructor(
    readonly side: SideCode,
    readonly price: number,
  ) {
    this.key = side === 0 ? price : -price;
  }

  append(order: BookOrder): void {
    order.level = this;
    order.prev = this.tail;
    order.next = null;
    if (this.tail === null) this.head = order;
    else this.tail.next = order;
    this.tail = order;
    this.total += order.quantity - order.filled;
    this.count++;
  }

  /** Unlinks an order; the caller has already taken its remaining lots out of `total`. */
  unlink(order: BookOrder): void {
    const { prev, next } = order;
    if (prev === null) this.head = next;
    else prev.next = next;
    if (next === null) this.tail = prev;
    else next.prev = prev;
    order.prev = null;
    order.next = null;
    order.level = null;
    this.count--;
  }
}
