import { BookOrder } from '../book/book-order.js';
import type { ReasonCode, SideCode, StatusCode, StpCode, TifCode } from '../book/codes.js';

/** Numbers kept per finished order (everything a retry, a cancel lookup or an export reads). */
const WIDTH = 17;
/** Records per chunk (a power of two): 4,096 records are 557 KiB of numbers. */
const CHUNK_SHIFT = 12;
const CHUNK = 1 << CHUNK_SHIFT;
const MASK = CHUNK - 1;

/** One fixed-size piece of the queue: the numbers and the two strings of CHUNK records. */
class Chunk {
  readonly ints = new Float64Array(CHUNK * WIDTH);
  readonly owners: string[] = new Array<string>(CHUNK).fill('');
  readonly clientOrderIds: string[] = new Array<string>(CHUNK).fill('');
}

/**
 * Finished orders in the idempotency window, oldest first, as numbers in typed arrays plus their
 * two strings. Why not the BookOrder objects themselves: with the default window of a million,
 * every accepted order stayed reachable for a million more orders, so each one survived the
 * young-generation collections and was copied and promoted; measured on the core benchmark, that
 * retention more than tripled the time spent in scavenges. A typed array is not traced by the
 * collector, and only the clientOrderId string and the user id stay behind as objects.
 *
 * Records are addressed by an ever-increasing sequence number and kept in a queue of fixed-size
 * chunks (record `seq` is at `seq & MASK` of chunk `seq >> CHUNK_SHIFT`): the queue takes a new
 * chunk when the newest is full and drops the oldest once all its records are shifted out. It
 * used to be one ring that doubled as it filled; each doubling copied every record and allocated
 * twice the room (up to 142 MB at the default window), which cost about 8% of a 1,000,000-command
 * journal replay in the engine's profile.
 */
export class FinishedOrders {
  /** chunks[i] holds the records of chunk number firstChunk + i. */
  private chunks: Chunk[] = [];
  private firstChunk = 0;
  /** Sequence number of the oldest record kept. */
  head = 0;
  /** Sequence number the next record gets. */
  tail = 0;

  get size(): number {
    return this.tail - this.head;
  }

  private chunkOf(seq: number): Chunk {
    return this.chunks[(seq >> CHUNK_SHIFT) - this.firstChunk];
  }

  /** Appends a record of `order` (already finished: off the book) and returns its sequence number. */
  push(order: BookOrder): number {
    const seq = this.tail++;
    const slot = seq & MASK;
    if (slot === 0 || this.chunks.length === 0) {
      if (this.chunks.length === 0) this.firstChunk = seq >> CHUNK_SHIFT;
      this.chunks.push(new Chunk());
    }
    const chunk = this.chunks[this.chunks.length - 1];
    const ints = chunk.ints;
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
    chunk.owners[slot] = order.owner;
    chunk.clientOrderIds[slot] = order.clientOrderId;
    return seq;
  }

  /** Drops the oldest record; returns its sequence number. */
  shift(): number {
    const seq = this.head++;
    const slot = seq & MASK;
    const chunk = this.chunks[0];
    chunk.owners[slot] = '';
    chunk.clientOrderIds[slot] = '';
    // The oldest chunk is done once its last record is out (or the queue is empty).
    if (slot === MASK || this.head === this.tail) {
      this.chunks.shift();
      this.firstChunk++;
      if (this.head === this.tail) {
        this.chunks.length = 0;
      }
    }
    return seq;
  }

  ownerOf(seq: number): string {
    return this.chunkOf(seq).owners[seq & MASK];
  }

  clientOrderIdOf(seq: number): string {
    return this.chunkOf(seq).clientOrderIds[seq & MASK];
  }

  /** The record as a (new, detached) BookOrder; only for the rare paths (retries, exports). */
  order(seq: number): BookOrder {
    const chunk = this.chunkOf(seq);
    const slot = seq & MASK;
    const ints = chunk.ints;
    const b = slot * WIDTH;
    const order = new BookOrder(
      ints[b],
      chunk.owners[slot],
      ints[b + 1] as SideCode,
      ints[b + 6],
      ints[b + 7],
      ints[b + 2] === 1,
      ints[b + 3] as TifCode,
      ints[b + 4] === 1,
      ints[b + 5] as StpCode,
    );
    order.filled = ints[b + 8];
    order.clientOrderId = chunk.clientOrderIds[slot];
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
}
