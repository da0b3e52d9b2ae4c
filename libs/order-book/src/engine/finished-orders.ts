import { BookOrder } from '../book/book-order.js';
import type { ReasonCode, SideCode, StatusCode, StpCode, TifCode } from '../book/codes.js';

/** Numbers kept per finished order (everything a retry, a cancel lookup or an export reads). */
const WIDTH = 17;
const INITIAL_CAPACITY = 1024;

/**
 * Finished orders in the idempotency window, oldest first, as numbers in a ring of typed arrays
 * plus their two strings. Why not the BookOrder objects themselves: with the default window of a
 * million, every accepted order stayed reachable for a million more orders, so each one survived
 * the young-generation collections and was copied and promoted; measured on the core benchmark,
 * that retention more than tripled the time spent in scavenges. A typed array is not traced by
 * the collector, and only the clientOrderId string and the user id stay behind as objects.
 *
 * Records are addressed by an ever-increasing sequence number; a record lives at
 * `seq & (capacity - 1)`. The ring grows by doubling up to the window.
 */
export class FinishedOrders {
  private capacity = 0;
  private ints = new Float64Array(0);
  private owners: string[] = [];
  private clientOrderIds: string[] = [];
  /** Sequence number of the oldest record kept. */
  head = 0;
  /** Sequence number the next record gets. */
  tail = 0;

  get size(): number {
    return this.tail - this.head;
  }

  /** Appends a record of `order` (already finished: off the book) and returns its sequence number. */
  push(order: BookOrder): number {
    if (this.size === this.capacity) this.grow();
    const seq = this.tail++;
    const slot = seq & (this.capacity - 1);
    const ints = this.ints;
    const b = slot * WIDTH;
    ints[b] = order.id;
    ints[b + 1] = order.side;
    ints[b + 2] = order.isMarket ? 1 : 0;
    ints[b + 3] = order.tif;
    ints[b + 4] = order.postOnly ? 1 : 0;
    ints[b + 5] = order.stp;
    ints[b + 6] = order.price;
    ints[b + 7] = order.quantity;
    ints[b + 8] = order.filled;
    ints[b + 9] = order.placeSeq;
    ints[b + 10] = order.placeTs;
    ints[b + 11] = order.placeFilled;
    ints[b + 12] = order.placeStatus;
    ints[b + 13] = order.placeReason;
    ints[b + 14] = order.placeTradeId;
    ints[b + 15] = order.placeFillPrice;
    ints[b + 16] = order.placeFillQty;
    this.owners[slot] = order.owner;
    this.clientOrderIds[slot] = order.clientOrderId;
    return seq;
  }

  /** Drops the oldest record; returns its sequence number. */
  shift(): number {
    const seq = this.head++;
    const slot = seq & (this.capacity - 1);
    this.owners[slot] = '';
    this.clientOrderIds[slot] = '';
    return seq;
  }

  ownerOf(seq: number): string {
    return this.owners[seq & (this.capacity - 1)];
  }

  clientOrderIdOf(seq: number): string {
    return this.clientOrderIds[seq & (this.capacity - 1)];
  }

  /** The record as a (new, detached) BookOrder; only for the rare paths (retries, exports). */
  order(seq: number): BookOrder {
    const slot = seq & (this.capacity - 1);
    const ints = this.ints;
    const b = slot * WIDTH;
    const order = new BookOrder(
      ints[b],
      this.owners[slot],
      ints[b + 1] as SideCode,
      ints[b + 6],
      ints[b + 7],
      ints[b + 2] === 1,
      ints[b + 3] as TifCode,
      ints[b + 4] === 1,
      ints[b + 5] as StpCode,
    );
    order.filled = ints[b + 8];
    order.clientOrderId = this.clientOrderIds[slot];
    order.placeSeq = ints[b + 9];
    order.placeTs = ints[b + 10];
    order.placeFilled = ints[b + 11];
    order.placeStatus = ints[b + 12] as StatusCode;
    order.placeReason = ints[b + 13] as ReasonCode;
    order.placeTradeId = ints[b + 14];
    order.placeFillPrice = ints[b + 15];
    order.placeFillQty = ints[b + 16];
    return order;
  }

  private grow(): void {
    const old = this.capacity;
    const capacity = old === 0 ? INITIAL_CAPACITY : old * 2;
    const ints = new Float64Array(capacity * WIDTH);
    const owners = new Array<string>(capacity).fill('');
    const clientOrderIds = new Array<string>(capacity).fill('');
    if (old > 0) {
      // The kept records are at most two runs in the old ring (split where the sequence number
      // crosses a multiple of the old capacity), and each run stays contiguous in the new one.
      const split = Math.min(this.tail, (this.head | (old - 1)) + 1);
      this.copyRun(this.head, split, ints, owners, clientOrderIds, capacity);
      this.copyRun(split, this.tail, ints, owners, clientOrderIds, capacity);
    }
    this.capacity = capacity;
    this.ints = ints;
    this.owners = owners;
    this.clientOrderIds = clientOrderIds;
  }

  private copyRun(from: number, to: number, ints: Float64Array, owners: string[], clientOrderIds: string[], capacity: number): void {
    if (from >= to) return;
    const source = from & (this.capacity - 1);
    const target = from & (capacity - 1);
    const count = to - from;
    ints.set(this.ints.subarray(source * WIDTH, (source + count) * WIDTH), target * WIDTH);
    for (let k = 0; k < count; k++) {
      owners[target + k] = this.owners[source + k];
      clientOrderIds[target + k] = this.clientOrderIds[source + k];
    }
  }
}
