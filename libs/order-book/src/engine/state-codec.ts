import { isClientOrderId, isUserId } from '@trading/contracts';
import type { BookOrder } from '../book/book-order.js';
import { BookOrder as Order } from '../book/book-order.js';
import type { ReasonCode, SideCode, StatusCode, StpCode, TifCode } from '../book/codes.js';
import { PriceLevel } from '../book/price-level.js';
import type { SymbolEngineState } from '../symbol-engine-types.js';
import type { MatchingSymbolEngine } from './symbol-engine.js';

/**
 * Compact, JSON-serialisable state of one symbol (format version 1).
 *
 * Orders are stored column-wise: one flat array of integers (ORDER_FIELDS.length per order) and
 * one array of clientOrderIds, per list. Why: a million small per-order arrays or objects make
 * JSON.parse and the garbage collector the bottleneck of a restore; flat number arrays parse into
 * a single backing store. User ids are interned in `users` and referenced by index.
 * `bids` and `asks` hold the resting orders in priority order (best level first, FIFO within a
 * level); `done` holds the finished orders still in the idempotency window, oldest first.
 */
export interface SymbolStateV1 {
  readonly version: 1;
  readonly symbol: string;
  readonly tick: string;
  readonly lot: string;
  readonly minLots: number;
  readonly lastOrderId: number;
  readonly lastTradeId: number;
  readonly bookSeq: number;
  readonly lastTs: number;
  /** Every user with events on this symbol, and the last seq of trading.order.{userId}.{symbol}. */
  readonly users: string[];
  readonly userSeqs: number[];
  /** Names of the integer columns of an order, in order (self-description; checked on restore). */
  readonly orderFields: readonly string[];
  readonly bids: OrderColumns;
  readonly asks: OrderColumns;
  readonly done: OrderColumns;
}

export interface OrderColumns {
  /** ORDER_FIELDS.length integers per order. */
  readonly ints: number[];
  readonly clientOrderIds: string[];
}

export const ORDER_FIELDS = [
  'id',
  'userIndex',
  'side',
  'isMarket',
  'tif',
  'postOnly',
  'stp',
  'price',
  'quantity',
  'filled',
  'placeSeq',
  'placeTs',
  'placeFilled',
  'placeStatus',
  'placeReason',
  'placeTradeId',
  'placeFillPrice',
  'placeFillQty',
] as const;
const WIDTH = ORDER_FIELDS.length;

/** Thrown by createSymbolEngine when a state cannot be restored (wrong symbol, sizes or shape). */
export class InvalidSymbolStateError extends Error {
  readonly code = 'INVALID_SYMBOL_STATE';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSymbolStateError';
  }
}

function pushOrder(out: OrderColumns, o: BookOrder, userIndex: Map<string, number>): void {
  out.ints.push(
    o.id,
    userIndex.get(o.owner) as number,
    o.side,
    o.isMarket ? 1 : 0,
    o.tif,
    o.postOnly ? 1 : 0,
    o.stp,
    o.price,
    o.quantity,
    o.filled,
    o.placeSeq,
    o.placeTs,
    o.placeFilled,
    o.placeStatus,
    o.placeReason,
    o.placeTradeId,
    o.placeFillPrice,
    o.placeFillQty,
  );
  out.clientOrderIds.push(o.clientOrderId);
}

export function encodeState(engine: MatchingSymbolEngine): SymbolEngineState {
  const { spec, book } = engine;
  const users: string[] = [];
  const userSeqs: number[] = [];
  const userIndex = new Map<string, number>();
  for (const [userId, stream] of engine.users) {
    userIndex.set(userId, users.length);
    users.push(userId);
    userSeqs.push(stream.seq);
  }
  const side = (levels: readonly PriceLevel[]): OrderColumns => {
    const out: OrderColumns = { ints: [], clientOrderIds: [] };
    for (let i = levels.length - 1; i >= 0; i--) {
      for (let o = levels[i].head; o !== null; o = o.next) pushOrder(out, o, userIndex);
    }
    return out;
  };
  const done: OrderColumns = { ints: [], clientOrderIds: [] };
  for (const order of engine.idempotency.finishedOrders()) pushOrder(done, order, userIndex);
  const state: SymbolStateV1 = {
    version: 1,
    symbol: spec.symbol,
    tick: spec.tick.text,
    lot: spec.lot.text,
    minLots: spec.minLots,
    lastOrderId: engine.lastOrderId,
    lastTradeId: engine.lastTradeId,
    bookSeq: engine.bookSeq,
    lastTs: engine.lastTs,
    users,
    userSeqs,
    orderFields: ORDER_FIELDS,
    bids: side(book.bids.levels),
    asks: side(book.asks.levels),
    done,
  };
  return state as unknown as SymbolEngineState;
}

/** Loads `state` into a freshly created engine. Validates as it goes; throws InvalidSymbolStateError. */
export function decodeState(engine: MatchingSymbolEngine, raw: SymbolEngineState): void {
  const state = raw as unknown as SymbolStateV1;
  const { spec } = engine;
  if (state === null || typeof state !== 'object') fail('state must be an object');
  if (state.version !== 1) fail(`unsupported state version ${String(state.version)}`);
  if (state.symbol !== spec.symbol) fail(`state is for symbol ${String(state.symbol)}, not ${spec.symbol}`);
  if (state.tick !== spec.tick.text || state.lot !== spec.lot.text) {
    fail(`${spec.symbol}: state was saved with tick ${String(state.tick)} / lot ${String(state.lot)}, configuration says ${spec.tick.text} / ${spec.lot.text}`);
  }
  if (!Array.isArray(state.orderFields) || state.orderFields.join(',') !== ORDER_FIELDS.join(',')) fail('orderFields do not match this version');
  engine.lastOrderId = counter(state.lastOrderId, 'lastOrderId');
  engine.lastTradeId = counter(state.lastTradeId, 'lastTradeId');
  engine.bookSeq = counter(state.bookSeq, 'bookSeq');
  engine.lastTs = counter(state.lastTs, 'lastTs');
  if (!Array.isArray(state.users) || !Array.isArray(state.userSeqs) || state.users.length !== state.userSeqs.length) {
    fail('users and userSeqs must be arrays of the same length');
  }
  const users: string[] = state.users;
  for (let i = 0; i < users.length; i++) {
    // Identifiers go into hand-written JSON and subjects: they must keep their patterns.
    if (!isUserId(users[i])) fail(`users[${i}] is not a valid user id`);
    if (engine.users.has(users[i])) fail(`user ${users[i]} appears twice`);
    engine.userStream(users[i]).seq = counter(state.userSeqs[i], `userSeqs[${i}]`);
  }
  const idempotency = engine.idempotency;
  for (const [name, sideCode] of [
    ['bids', 0],
    ['asks', 1],
  ] as const) {
    const columns = checkColumns(state[name], name);
    const bookSide = engine.book.side(sideCode);
    const levels: PriceLevel[] = [];
    let level: PriceLevel | undefined;
    for (let k = 0; k < columns.clientOrderIds.length; k++) {
      const order = readOrder(columns, k, users, engine);
      if (order.side !== sideCode || order.isMarket || order.filled >= order.quantity) fail(`${name}: order ${order.id} cannot rest there`);
      if (level === undefined || level.price !== order.price) {
        if (level !== undefined && (sideCode === 0 ? order.price > level.price : order.price < level.price)) {
          fail(`${name}: levels are not best first at order ${order.id}`);
        }
        level = new PriceLevel(sideCode, order.price);
        levels.push(level);
      }
      if (engine.book.orders.has(order.id) || idempotency.get(order.owner, order.clientOrderId) !== undefined) {
        fail(`${name}: order ${order.id} or its clientOrderId appears twice`);
      }
      level.append(order);
      engine.book.orders.set(order.id, order);
      idempotency.add(order);
      engine.userStream(order.owner).open++;
    }
    bookSide.load(levels);
  }
  const done = checkColumns(state.done, 'done');
  for (let k = 0; k < done.clientOrderIds.length; k++) {
    const order = readOrder(done, k, users, engine);
    if (engine.book.orders.has(order.id) || idempotency.get(order.owner, order.clientOrderId) !== undefined) fail(`done: order ${order.id} appears twice`);
    idempotency.add(order);
    idempotency.finished(order);
  }
}

function checkColumns(value: unknown, name: string): OrderColumns {
  const columns = value as OrderColumns;
  if (columns === null || typeof columns !== 'object' || !Array.isArray(columns.ints) || !Array.isArray(columns.clientOrderIds)) {
    fail(`${name} must be { ints: number[], clientOrderIds: string[] }`);
  }
  if (columns.ints.length !== columns.clientOrderIds.length * WIDTH) fail(`${name}: ints must hold ${WIDTH} numbers per order`);
  return columns;
}

function readOrder(columns: OrderColumns, k: number, users: string[], engine: MatchingSymbolEngine): BookOrder {
  const ints = columns.ints;
  const base = k * WIDTH;
  for (let i = base; i < base + WIDTH; i++) {
    const v = ints[i];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`order field ${ORDER_FIELDS[i - base]} must be a non-negative integer`);
  }
  const id = ints[base];
  const owner = users[ints[base + 1]];
  const clientOrderId = columns.clientOrderIds[k];
  const side = ints[base + 2];
  const tif = ints[base + 4];
  const stp = ints[base + 6];
  const price = ints[base + 7];
  const quantity = ints[base + 8];
  const filled = ints[base + 9];
  if (owner === undefined) fail(`order ${id} refers to an unknown user`);
  if (!isClientOrderId(clientOrderId)) fail(`order ${id} has an invalid clientOrderId`);
  if (id < 1 || id > engine.lastOrderId) fail(`order id ${id} is out of range`);
  if (side > 1 || tif > 2 || stp > 3 || ints[base + 13] > 4 || ints[base + 14] > 5) fail(`order ${id} has bad codes`);
  if (quantity < 1 || filled > quantity) fail(`order ${id} has bad quantities`);
  const isMarket = ints[base + 3] === 1;
  const order = new Order(id, owner, side as SideCode, price, quantity, isMarket, tif as TifCode, ints[base + 5] === 1, stp as StpCode);
  order.filled = filled;
  order.clientOrderId = clientOrderId;
  order.placeSeq = ints[base + 10];
  order.placeTs = ints[base + 11];
  order.placeFilled = ints[base + 12];
  order.placeStatus = ints[base + 13] as StatusCode;
  order.placeReason = ints[base + 14] as ReasonCode;
  order.placeTradeId = ints[base + 15];
  order.placeFillPrice = ints[base + 16];
  order.placeFillQty = ints[base + 17];
  return order;
}

function counter(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) fail(`${name} must be a non-negative integer`);
  return value as number;
}

function fail(message: string): never {
  throw new InvalidSymbolStateError(message);
}
