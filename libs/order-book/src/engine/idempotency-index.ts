import type { BookOrder } from '../book/book-order.js';
import { FinishedOrders } from './finished-orders.js';

export const DEFAULT_IDEMPOTENCY_WINDOW = 1_000_000;

/**
 * (userId, clientOrderId) -> order, for idempotent retries and cancel by clientOrderId.
 * Live orders are always kept; finished orders are kept in a FIFO bounded by `window` (oldest
 * finished first out) so memory stays bounded. A key evicted from the window can be reused.
 *
 * Two maps, both keyed by clientOrderId alone (a lookup builds no key string and an entry keeps no
 * string of its own: the order or its record already holds the clientOrderId):
 * - `live`: the resting orders (BookOrder). It holds about as many keys as the book has orders, so
 *   it stays small and its lookups stay in cache; cancel by clientOrderId reads only this one.
 * - `finishedByKey`: the finished orders in the window, as the sequence number of their record in
 *   `FinishedOrders` (compact numbers, see there). It grows to the window (a million keys by
 *   default), and each operation on it is mostly cache misses, so it is written as little as
 *   possible: once per finished order, and lazily. Records are appended to `done` at once; the
 *   keys of records from `indexed` on are added to this map only when a lookup needs it (`get`,
 *   or `catchUp`), in record order. A record evicted before then is never indexed at all.
 *   Recovery's journal replay does no lookup (its entries were accepted when journaled), so the
 *   whole replay indexes its finished orders once, at the end (`catchUp`).
 * Before this split one map held both kinds, and a finished order cost four operations on the big
 * map (a lookup and an insert when placed, a lookup and a swap of the value when finished).
 *
 * The value of a key is the entry itself while one user has that clientOrderId, and becomes a
 * userId -> entry map once several do (users counting "1", "2", ... each). This replaced a
 * `${userId} ${clientOrderId}` key: that string was built, flattened and hashed on every place and
 * retained for every kept order. (A map per user avoids the key strings but costs more: measured
 * 700 against 545 bytes per order with 10,000 symbols of 100 orders and 97 users each.)
 *
 * Invariant that makes the lazy index exact: a (userId, clientOrderId) has at most one entry in
 * the window, live or finished (a key is reused only after its finished order left the window), so
 * indexing records later, in order, gives the same map as indexing each at once.
 */
type LiveSlot = BookOrder | Map<string, BookOrder>;
type DoneSlot = number | Map<string, number>;

export class IdempotencyIndex {
  private readonly live = new Map<string, LiveSlot>();
  private readonly finishedByKey = new Map<string, DoneSlot>();
  private readonly done = new FinishedOrders();
  /** Records before this sequence number (and still in the window) are in `finishedByKey`. */
  private indexed = 0;

  constructor(readonly window: number) {}

  /**
   * The order kept under this key, live or finished. A finished order comes back as a new,
   * detached BookOrder rebuilt from its record (read it, do not keep or change it).
   */
  get(userId: string, clientOrderId: string): BookOrder | undefined {
    const live = this.liveEntry(userId, clientOrderId);
    if (live !== undefined) return live;
    if (this.indexed < this.done.tail) this.catchUp();
    const slot = this.finishedByKey.get(clientOrderId);
    if (slot === undefined) return undefined;
    const seq = typeof slot === 'number' ? (this.done.ownerOf(slot) === userId ? slot : undefined) : slot.get(userId);
    return seq === undefined ? undefined : this.done.order(seq);
  }

  /** The live (resting) order with this key, if any. */
  getLive(userId: string, clientOrderId: string): BookOrder | undefined {
    const entry = this.liveEntry(userId, clientOrderId);
    return entry !== undefined && entry.level !== null ? entry : undefined;
  }

  private liveEntry(userId: string, clientOrderId: string): BookOrder | undefined {
    const slot = this.live.get(clientOrderId);
    if (slot === undefined) return undefined;
    if (slot instanceof Map) return slot.get(userId);
    return slot.owner === userId ? slot : undefined;
  }

  /** Records a new live order under (owner, clientOrderId); when it finishes, call `finished`. */
  add(order: BookOrder): void {
    const owner = order.owner;
    const key = order.clientOrderId;
    const slot = this.live.get(key);
    if (slot === undefined || (!(slot instanceof Map) && slot.owner === owner)) {
      this.live.set(key, order);
    } else if (slot instanceof Map) {
      slot.set(owner, order);
    } else {
      this.live.set(
        key,
        new Map<string, BookOrder>([
          [slot.owner, slot],
          [owner, order],
        ]),
      );
    }
  }

  /** Records a new order that finished in the command that placed it (never rested): no live entry. */
  addFinished(order: BookOrder): void {
    if (this.window > 0) this.pushDone(order);
  }

  /** Marks an order as finished (filled, canceled or expired): it now counts against the window. */
  finished(order: BookOrder): void {
    const owner = order.owner;
    const key = order.clientOrderId;
    const slot = this.live.get(key);
    if (slot === order) this.live.delete(key);
    else if (slot instanceof Map && slot.get(owner) === order) {
      slot.delete(owner);
      if (slot.size === 0) this.live.delete(key);
    }
    if (this.window > 0) this.pushDone(order);
  }

  private pushDone(order: BookOrder): void {
    this.done.push(order);
    if (this.done.size > this.window) {
      const oldest = this.done.head;
      // Never indexed (evicted before any lookup needed it): nothing to remove.
      if (oldest < this.indexed) this.unindex(this.done.ownerOf(oldest), this.done.clientOrderIdOf(oldest), oldest);
      this.done.shift();
    }
  }

  /** Adds the keys of the records not indexed yet to `finishedByKey` (see the class comment). */
  catchUp(): void {
    const tail = this.done.tail;
    const map = this.finishedByKey;
    const done = this.done;
    for (let seq = Math.max(this.indexed, done.head); seq < tail; seq++) {
      const owner = done.ownerOf(seq);
      const key = done.clientOrderIdOf(seq);
      const slot = map.get(key);
      if (slot === undefined || (typeof slot === 'number' && done.ownerOf(slot) === owner)) {
        map.set(key, seq);
      } else if (typeof slot !== 'number') {
        slot.set(owner, seq);
      } else {
        map.set(
          key,
          new Map<string, number>([
            [done.ownerOf(slot), slot],
            [owner, seq],
          ]),
        );
      }
    }
    this.indexed = tail;
  }

  /** Removes the finished entry under (owner, key) if it is still `seq` (the key may have been reused). */
  private unindex(owner: string, key: string, seq: number): void {
    const slot = this.finishedByKey.get(key);
    if (slot === seq) {
      this.finishedByKey.delete(key);
    } else if (slot instanceof Map && slot.get(owner) === seq) {
      slot.delete(owner);
      if (slot.size === 0) this.finishedByKey.delete(key);
    }
  }

  get finishedCount(): number {
    return this.done.size;
  }

  /** Finished orders in the window, oldest first (detached copies, as from `get`). */
  *finishedOrders(): IterableIterator<BookOrder> {
    for (let seq = this.done.head; seq < this.done.tail; seq++) yield this.done.order(seq);
  }
}
