import {
  CommandErrorCode,
  fastAcceptCommand,
  lotsToQuantity,
  subjects,
  ticksToPrice,
  validateCommandStrictly,
  type CancelCommand,
  type CommandReply,
  type OrderBookSnapshot,
  type PlaceCommand,
  type PriceLevel as WireLevel,
  type SymbolSpec,
  type TradingCommand,
} from '@trading/contracts';
import { BookOrder } from '../book/book-order.js';
import {
  BUY,
  PLACE_OK,
  PLACE_POST_ONLY_WOULD_TAKE,
  REASON_FOK_UNFILLED,
  REASON_IOC_UNFILLED,
  REASON_MARKET_UNFILLED,
  REASON_NONE,
  REASON_SELF_TRADE_PREVENTION,
  REASON_USER_CANCELED,
  STATUS_CANCELED,
  STATUS_EXPIRED,
  STATUS_FILLED,
  STATUS_NEW,
  STATUS_PARTIALLY_FILLED,
  TIF_FOK,
  TIF_GTC,
  type ReasonCode,
  type StatusCode,
} from '../book/codes.js';
import { STEP_FILL, type MatchLog } from '../book/match-log.js';
import { OrderBook } from '../book/order-book.js';
import type { PriceLevel } from '../book/price-level.js';
import type { CommandResult, EncodedEvent, SymbolEngine, SymbolEngineState, SymbolEngineStats } from '../symbol-engine-types.js';
import { DEFAULT_IDEMPOTENCY_WINDOW, IdempotencyIndex } from './idempotency-index.js';
import { ApplyResult } from './apply-result.js';
import { EventEncoder, NO_FILL, orderStaticJson, shownRemaining } from './order-events.js';
import { PlaceScratch, parsePlaceInto, type ParsedPlace } from './place-rules.js';
import { encodeState } from './state-codec.js';

export interface SymbolEngineOptions {
  /**
   * How many finished orders per symbol keep their (userId, clientOrderId) for idempotent retries
   * (FIFO, oldest finished first out). Live orders are always kept. Default 1,000,000.
   */
  readonly idempotencyWindow?: number;
  /**
   * Most resting orders one user may have in this symbol; a GTC limit order beyond it is refused
   * with TOO_MANY_OPEN_ORDERS (IOC, FOK and market orders never rest and are not limited). Journal
   * entries are exempt (`apply(..., journaled)`, `replay(..., accepted)`): they were accepted
   * under the limit of their time. 0 or absent: no limit.
   */
  readonly maxOpenOrdersPerUser?: number;
}

/** A user's last seq on its private subject of this symbol; the subject is built on first use. */
export interface UserStream {
  readonly userId: string;
  /** '' until an event is published on it (restored users that never trade again need none). */
  subject: string;
  seq: number;
  /** The user's resting orders in this symbol (for maxOpenOrdersPerUser). */
  open: number;
}

const NO_EVENTS: readonly EncodedEvent[] = Object.freeze([]);
/** Stands for the events array in `replay`, where nothing is written to it. */
const SILENT_EVENTS: EncodedEvent[] = [];
/** What `apply` returns inside `replay` for an accepted command: `replay` reads changedState only. */
const SILENT_RESULT: CommandResult = Object.freeze({
  get reply(): CommandReply {
    throw new Error('replay builds no reply');
  },
  replyJson: '',
  events: NO_EVENTS,
  changedState: true,
});
/** Bound of each text cache (prices, quantities); cleared when full, so memory stays bounded. */
const TEXT_CACHE_SIZE = 4096;
/** Quantities below this many lots have their text in a flat array (32 KB per engine). */
const SMALL_QUANTITIES = 4096;

/**
 * One symbol's deterministic engine: symbol rules, idempotency, matching (OrderBook), events with
 * their seqs, replies. Everything it changes is validated before it changes anything, so a refusal
 * leaves the state exactly as it was.
 */
export class MatchingSymbolEngine implements SymbolEngine {
  readonly book = new OrderBook();
  readonly idempotency: IdempotencyIndex;
  readonly users = new Map<string, UserStream>();
  /** Last order number handed out (order ids are `{symbol}-{n}`). */
  lastOrderId = 0;
  /** Last trade id; trade ids are also the seqs of `trading.trade.{symbol}`. */
  lastTradeId = 0;
  bookSeq = 0;
  /** `ts` of the last command that changed state. */
  lastTs = 0;

  private readonly symbol: string;
  private readonly tradeSubject: string;
  private readonly bookSubject: string;
  private readonly orderIdPrefix: string;
  private readonly maxLotsTotal: number;
  private readonly encoder: EventEncoder;
  /** The current place command in integers, refilled by every place (no allocation per command). */
  private readonly parsed = new PlaceScratch();
  private readonly priceTexts = new Map<number, string>();
  private readonly quantityTexts = new Map<number, string>();
  /** Texts of small quantities (most order sizes, fills and remainders), by lots: an array read. */
  private readonly smallQuantityTexts: string[] = new Array<string>(SMALL_QUANTITIES).fill('');
  /** Events written so far into the current command's events array. */
  private eventCount = 0;
  /** Quantity text of each fill of the current command, reused across commands. */
  private readonly fillTexts: string[] = [];
  /**
   * True inside `replay`: state changes exactly as in `apply`, but no event or reply text is built.
   * Every seq is still advanced, and a place keeps what rebuilds its reply (the place* fields of
   * BookOrder) as always, so idempotent retries after a replay return the original bytes.
   */
  private silent = false;
  /**
   * True inside `replay(..., accepted = true)`: the place is known to have been accepted in exactly
   * this state (a journal entry), so it cannot be an idempotent repeat and the key lookup is
   * skipped (on a big idempotency window that lookup was the largest cost of a replayed place).
   */
  private accepted = false;
  /** True inside `apply(..., journaled = true)`: a journal entry, exempt from the open-orders limit. */
  private journaled = false;
  private readonly maxOpenOrders: number;

  constructor(
    readonly spec: SymbolSpec,
    options: SymbolEngineOptions = {},
  ) {
    this.symbol = spec.symbol;
    this.tradeSubject = subjects.trade(spec.symbol);
    this.bookSubject = subjects.book(spec.symbol);
    this.orderIdPrefix = `${spec.symbol}-`;
    this.encoder = new EventEncoder(spec.symbol);
    this.idempotency = new IdempotencyIndex(options.idempotencyWindow ?? DEFAULT_IDEMPOTENCY_WINDOW);
    this.maxOpenOrders = options.maxOpenOrdersPerUser ?? 0;
    // A level's total must stay printable: total * lot units within the safe integer range.
    this.maxLotsTotal = Math.floor(Number.MAX_SAFE_INTEGER / spec.lot.units);
  }

  get stats(): SymbolEngineStats {
    return { restingOrders: this.book.orders.size, bidLevels: this.book.bids.size, askLevels: this.book.asks.size };
  }

  apply(command: TradingCommand, ts: number, journaled = false): CommandResult {
    this.journaled = journaled;
    try {
      return this.run(command, ts, false);
    } finally {
      this.journaled = false;
    }
  }

  private run(command: TradingCommand, ts: number, validated: boolean): CommandResult {
    try {
      if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0) {
        return refuse(CommandErrorCode.VALIDATION_FAILED, 'command failed validation', { ts: 'ts must be a non-negative integer of epoch milliseconds' });
      }
      let checked: TradingCommand = command;
      if (!validated && !fastAcceptCommand(command)) {
        const strict = validateCommandStrictly(command);
        if (!strict.ok) return refuse(CommandErrorCode.VALIDATION_FAILED, 'command failed validation', strict.details);
        checked = strict.value;
      }
      return checked.type === 'place' ? this.place(checked, ts) : this.cancel(checked, ts);
    } catch (err) {
      // Unreachable by design (everything is validated before state changes); never throw to the caller.
      return refuse(CommandErrorCode.VALIDATION_FAILED, `command could not be applied: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  replay(command: TradingCommand, ts: number, validated = false, accepted = false): boolean {
    this.silent = true;
    this.accepted = accepted;
    try {
      return this.run(command, ts, validated).changedState;
    } finally {
      this.silent = false;
      this.accepted = false;
    }
  }

  finishReplay(): void {
    this.idempotency.catchUp();
  }

  snapshot(depth?: number): OrderBookSnapshot {
    const limit = typeof depth === 'number' && Number.isInteger(depth) && depth >= 0 ? depth : Number.MAX_SAFE_INTEGER;
    return {
      type: 'OrderBookSnapshot',
      symbol: this.symbol,
      seq: this.bookSeq,
      ts: this.lastTs,
      bids: this.levelsBestFirst(this.book.bids.levels, limit),
      asks: this.levelsBestFirst(this.book.asks.levels, limit),
    };
  }

  exportState(): SymbolEngineState {
    return encodeState(this);
  }

  // ---------------------------------------------------------------------------------------------

  private place(command: PlaceCommand, ts: number): CommandResult {
    const p = this.parsed;
    const details = parsePlaceInto(this.spec, command, p);
    if (details !== undefined) return refuse(CommandErrorCode.VALIDATION_FAILED, 'order breaks the symbol rules', details);
    const userId = command.userId;
    const clientOrderId = command.clientOrderId;
    // A journaled place was accepted when it was journaled: it is no repeat (see `accepted`).
    const prior = this.accepted ? undefined : this.idempotency.get(userId, clientOrderId);
    if (prior !== undefined) {
      if (!samePlace(prior, p)) {
        return refuse(CommandErrorCode.DUPLICATE_CLIENT_ORDER_ID, `clientOrderId "${clientOrderId}" was already used for a different order`);
      }
      return this.replayPlaceReply(prior);
    }

    if (!p.isMarket) {
      const level = this.book.side(p.side).level(p.price);
      if ((level === undefined ? 0 : level.total) + p.quantity > this.maxLotsTotal) {
        return refuse(CommandErrorCode.VALIDATION_FAILED, 'order breaks the symbol rules', {
          quantity: 'quantity would take the price level beyond the supported range',
        });
      }
    }

    // A known user's id string is shared by all its orders: the command's own copy (a new string
    // per command from JSON.parse) would otherwise be kept by every resting or finished order.
    const known = this.users.get(userId);
    if (this.maxOpenOrders > 0 && known !== undefined && known.open >= this.maxOpenOrders && !this.accepted && !this.journaled && !p.isMarket && p.tif === TIF_GTC) {
      return refuse(CommandErrorCode.TOO_MANY_OPEN_ORDERS, `at most ${this.maxOpenOrders} open orders per user in ${this.symbol}: cancel some first`);
    }
    const owner = known === undefined ? userId : known.userId;
    const order = new BookOrder(this.lastOrderId + 1, owner, p.side, p.price, p.quantity, p.isMarket, p.tif, p.postOnly, p.stp);
    const code = this.book.place(order);
    if (code !== PLACE_OK) {
      return code === PLACE_POST_ONLY_WOULD_TAKE
        ? refuse(CommandErrorCode.POST_ONLY_WOULD_TAKE, 'post-only order would take liquidity')
        : refuse(
            CommandErrorCode.INSUFFICIENT_LIQUIDITY,
            p.isMarket && p.tif !== TIF_FOK ? 'no liquidity on the opposite side' : 'fill-or-kill order cannot be filled completely',
          );
    }

    // --- Accepted: from here on state changes and events are produced.
    this.lastOrderId = order.id;
    this.lastTs = ts;
    order.clientOrderId = clientOrderId;

    const log = this.book.log;
    const silent = this.silent;
    const events = silent ? SILENT_EVENTS : this.newEvents(log, order);
    const takerStream = known ?? this.userStream(userId);
    const takerJson = silent ? '' : this.staticJson(order);
    const fillTexts = this.fillTexts;
    let lastJson = '';
    let takerFilled = 0;
    // The taker's last fill, shown as lastFill of its final update (NO_FILL: none).
    let lastFillTrade = NO_FILL;
    let lastFillPrice = 0;
    let lastFillQty = 0;
    let lastFillPriceText = '';
    let lastFillQtyText = '';
    const tradesBefore = this.lastTradeId;
    // Seq of the taker's last update (a later maker expiry may be on the same user's subject).
    let takerSeq = 0;

    for (let i = 0; i < log.length; i++) {
      const maker = log.makers[i];
      const quantity = log.quantities[i];
      if (log.kinds[i] === STEP_FILL) {
        const tradeId = ++this.lastTradeId;
        const quantityText = silent ? '' : this.formatQuantity(quantity);
        fillTexts[i] = quantityText;
        const priceText = silent ? '' : this.formatPrice(log.prices[i]);
        const makerStatus: StatusCode = maker.filled === maker.quantity ? STATUS_FILLED : STATUS_PARTIALLY_FILLED;
        this.pushOrder(events, this.userStream(maker.owner), silent ? '' : this.staticJson(maker), ts, maker, maker.filled, makerStatus, REASON_NONE, tradeId, priceText, quantityText, true);
        if (makerStatus === STATUS_FILLED) this.finishResting(maker);
        takerFilled += quantity;
        lastFillTrade = tradeId;
        lastFillPrice = log.prices[i];
        lastFillQty = quantity;
        lastFillPriceText = priceText;
        lastFillQtyText = quantityText;
        const takerStatus = takerFilled === order.quantity ? STATUS_FILLED : STATUS_PARTIALLY_FILLED;
        lastJson = this.pushOrder(events, takerStream, takerJson, ts, order, takerFilled, takerStatus, REASON_NONE, tradeId, priceText, quantityText, false);
        takerSeq = takerStream.seq;
      } else {
        this.pushOrder(events, this.userStream(maker.owner), silent ? '' : this.staticJson(maker), ts, maker, maker.filled, STATUS_EXPIRED, REASON_SELF_TRADE_PREVENTION, NO_FILL, '', '', true);
        this.finishResting(maker);
      }
    }

    const rested = order.level !== null;
    let finalStatus: StatusCode = takerFilled === order.quantity ? STATUS_FILLED : STATUS_PARTIALLY_FILLED;
    let finalReason: ReasonCode = REASON_NONE;
    if (log.takerExpiredBySelfTrade) {
      finalStatus = STATUS_EXPIRED;
      finalReason = REASON_SELF_TRADE_PREVENTION;
    } else if (!rested && takerFilled < order.quantity) {
      finalStatus = STATUS_EXPIRED;
      finalReason = order.isMarket ? REASON_MARKET_UNFILLED : order.tif === TIF_FOK ? REASON_FOK_UNFILLED : REASON_IOC_UNFILLED;
    } else if (rested && takerFilled === 0) {
      finalStatus = STATUS_NEW;
    }
    if (finalStatus === STATUS_EXPIRED || finalStatus === STATUS_NEW) {
      lastFillTrade = NO_FILL;
      lastJson = this.pushOrder(events, takerStream, takerJson, ts, order, takerFilled, finalStatus, finalReason, NO_FILL, '', '', false);
      takerSeq = takerStream.seq;
    }

    // The reply is rebuilt from these on a retry, so that it comes back byte for byte.
    order.placeSeq = takerSeq;
    order.placeTs = ts;
    order.placeFilled = takerFilled;
    order.placeStatus = finalStatus;
    order.placeReason = finalReason;
    order.placeTradeId = lastFillTrade;
    order.placeFillPrice = lastFillTrade === NO_FILL ? 0 : lastFillPrice;
    order.placeFillQty = lastFillTrade === NO_FILL ? 0 : lastFillQty;
    if (rested) {
      this.idempotency.add(order);
      takerStream.open++;
    } else {
      this.idempotency.addFinished(order);
    }

    if (silent) {
      // Only the book's seq is left to advance (trade seqs are the trade ids, already counted).
      if (log.touchedLength > 0) this.bookSeq++;
      return SILENT_RESULT;
    }
    // TradeExecuted events, after every OrderUpdate of the command. Trade ids are the trade seqs.
    let tradeSeq = tradesBefore;
    for (let i = 0; i < log.length; i++) {
      if (log.kinds[i] !== STEP_FILL) continue;
      const payload = this.encoder.tradeExecuted(++tradeSeq, ts, this.formatPrice(log.prices[i]), fillTexts[i], order.side);
      events[this.eventCount++] = { subject: this.tradeSubject, payload };
    }
    this.pushBookUpdate(events, ts);
    // Same bytes as JSON.stringify(reply): the reply's order is the order's last update, already encoded.
    if (this.eventCount !== events.length) events.length = this.eventCount; // never, if newEvents counted right
    return new ApplyResult('{"ok":true,"order":' + lastJson + '}', events, true, undefined);
  }

  private cancel(command: CancelCommand, ts: number): CommandResult {
    const order = this.findLiveOrder(command);
    if (order === undefined) {
      const id = command.orderId ?? command.clientOrderId;
      return refuse(CommandErrorCode.ORDER_NOT_FOUND, `no open order "${id}" for this user`);
    }
    this.book.cancel(order.id);
    this.lastTs = ts;
    this.finishResting(order);
    if (this.silent) {
      this.userStream(order.owner).seq++;
      if (this.book.log.touchedLength > 0) this.bookSeq++;
      return SILENT_RESULT;
    }
    // A cancel always has two events: the order's update and the book update of its level.
    const events: EncodedEvent[] = new Array<EncodedEvent>(2);
    this.eventCount = 0;
    const stream = this.userStream(order.owner);
    const json = this.pushOrder(events, stream, this.staticJson(order), ts, order, order.filled, STATUS_CANCELED, REASON_USER_CANCELED, NO_FILL, '', '', false);
    this.pushBookUpdate(events, ts);
    if (this.eventCount !== events.length) events.length = this.eventCount;
    return new ApplyResult('{"ok":true,"order":' + json + '}', events, true, undefined);
  }

  private findLiveOrder(command: CancelCommand): BookOrder | undefined {
    const { userId, orderId, clientOrderId } = command;
    if (typeof orderId === 'string') {
      if (!orderId.startsWith(this.orderIdPrefix)) return undefined;
      // Only the canonical spelling names the order ("BTC-USD-7", not "BTC-USD-007"): read in place
      // (no slice, no String(n) per cancel; order numbers are positive safe integers).
      const n = canonicalNumberAt(orderId, this.orderIdPrefix.length);
      const order = n > 0 ? this.book.orders.get(n) : undefined;
      if (order === undefined || order.owner !== userId) return undefined;
      if (clientOrderId !== undefined && order.clientOrderId !== clientOrderId) return undefined;
      return order;
    }
    if (typeof clientOrderId !== 'string') return undefined;
    return this.idempotency.getLive(userId, clientOrderId);
  }

  /** Rebuilds the original reply of a place command from what the order kept of it. */
  private replayPlaceReply(order: BookOrder): CommandResult {
    const hasFill = order.placeTradeId !== NO_FILL;
    const json = this.encoder.orderUpdate(
      order.placeSeq,
      order.placeTs,
      this.staticJson(order),
      this.formatQuantity(order.placeFilled),
      this.formatQuantity(shownRemaining(order, order.placeFilled, order.placeStatus)),
      order.placeStatus,
      order.placeReason,
      order.placeTradeId,
      hasFill ? this.formatPrice(order.placeFillPrice) : '',
      hasFill ? this.formatQuantity(order.placeFillQty) : '',
      false,
    );
    return new ApplyResult('{"ok":true,"order":' + json + '}', NO_EVENTS, false, undefined);
  }

  /**
   * The events array of an accepted place, sized exactly (a growing array would reserve room for
   * 17 on its first push): per log step the maker's update, per fill the taker's update and a
   * trade, the taker's final update unless its last fill already showed it, and the book update.
   */
  private newEvents(log: MatchLog, order: BookOrder): EncodedEvent[] {
    let fills = 0;
    for (let i = 0; i < log.length; i++) if (log.kinds[i] === STEP_FILL) fills++;
    // The taker's final update is separate exactly when it did not end FILLED or PARTIALLY_FILLED
    // by its last fill: it rests unfilled (NEW) or expired (STP, IOC, FOK, market rest).
    const rested = order.level !== null;
    const finalSeparate = log.takerExpiredBySelfTrade || (!rested && order.filled < order.quantity) || (rested && order.filled === 0);
    const count = log.length + 2 * fills + (finalSeparate ? 1 : 0) + (log.touchedLength > 0 ? 1 : 0);
    this.eventCount = 0;
    return new Array<EncodedEvent>(count);
  }

  /** Encodes one OrderUpdate on the order owner's subject with its next seq; returns its JSON. */
  private pushOrder(
    events: EncodedEvent[],
    stream: UserStream,
    staticJson: string,
    ts: number,
    order: BookOrder,
    filled: number,
    status: StatusCode,
    reason: ReasonCode,
    tradeId: number,
    fillPrice: string,
    fillQuantity: string,
    maker: boolean,
  ): string {
    if (this.silent) {
      ++stream.seq;
      return '';
    }
    const payload = this.encoder.orderUpdate(
      ++stream.seq,
      ts,
      staticJson,
      this.formatQuantity(filled),
      this.formatQuantity(shownRemaining(order, filled, status)),
      status,
      reason,
      tradeId,
      fillPrice,
      fillQuantity,
      maker,
    );
    if (stream.subject === '') stream.subject = subjects.order(stream.userId, this.symbol);
    events[this.eventCount++] = { subject: stream.subject, payload };
    return payload;
  }

  private pushBookUpdate(events: EncodedEvent[], ts: number): void {
    const log = this.book.log;
    if (log.touchedLength === 0) return;
    let bids = '';
    let asks = '';
    for (let i = 0; i < log.touchedLength; i++) {
      const level = log.touched[i];
      const entry = `["${this.formatPrice(level.price)}","${this.formatQuantity(level.total)}"]`;
      if (level.side === BUY) bids = bids === '' ? entry : `${bids},${entry}`;
      else asks = asks === '' ? entry : `${asks},${entry}`;
    }
    events[this.eventCount++] = { subject: this.bookSubject, payload: this.encoder.orderBookUpdate(++this.bookSeq, ts, bids, asks) };
  }

  /** Price text, cached: the same few hundred price levels are printed over and over. */
  formatPrice(ticks: number): string {
    let text = this.priceTexts.get(ticks);
    if (text === undefined) {
      if (this.priceTexts.size >= TEXT_CACHE_SIZE) this.priceTexts.clear();
      text = ticksToPrice(this.spec, ticks);
      this.priceTexts.set(ticks, text);
    }
    return text;
  }

  formatQuantity(lots: number): string {
    if (lots < SMALL_QUANTITIES) {
      const small = this.smallQuantityTexts[lots];
      if (small !== '') return small;
      return (this.smallQuantityTexts[lots] = lotsToQuantity(this.spec, lots));
    }
    let text = this.quantityTexts.get(lots);
    if (text === undefined) {
      if (this.quantityTexts.size >= TEXT_CACHE_SIZE) this.quantityTexts.clear();
      text = lotsToQuantity(this.spec, lots);
      this.quantityTexts.set(lots, text);
    }
    return text;
  }

  private staticJson(order: BookOrder): string {
    return orderStaticJson(order, this.orderIdPrefix + order.id, order.isMarket ? undefined : this.formatPrice(order.price), this.formatQuantity(order.quantity));
  }

  /** A resting order left the book (filled, canceled, expired): it no longer counts as open. */
  private finishResting(order: BookOrder): void {
    this.idempotency.finished(order);
    this.userStream(order.owner).open--;
  }

  userStream(userId: string): UserStream {
    let stream = this.users.get(userId);
    if (stream === undefined) {
      stream = { userId, subject: '', seq: 0, open: 0 };
      this.users.set(userId, stream);
    }
    return stream;
  }

  private levelsBestFirst(levels: readonly PriceLevel[], depth: number): WireLevel[] {
    const out: WireLevel[] = [];
    for (let i = levels.length - 1; i >= 0 && out.length < depth; i--) {
      out.push([ticksToPrice(this.spec, levels[i].price), lotsToQuantity(this.spec, levels[i].total)]);
    }
    return out;
  }
}

/**
 * The positive integer spelled canonically (digits, no leading zero, at most 16 digits, safe) from
 * `start` to the end of `text`; -1 otherwise. For the positive safe integers this accepts exactly
 * what `Number.isSafeInteger(Number(d)) && String(Number(d)) === d` accepts (d = the digits).
 */
export function canonicalNumberAt(text: string, start: number): number {
  const end = text.length;
  if (end - start < 1 || end - start > 16 || text.charCodeAt(start) === 48) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return Number.isSafeInteger(n) ? n : -1;
}

/** Same order as the one kept for this (userId, clientOrderId), once defaults are applied. */
function samePlace(order: BookOrder, p: ParsedPlace): boolean {
  return (
    order.side === p.side &&
    order.isMarket === p.isMarket &&
    order.price === p.price &&
    order.quantity === p.quantity &&
    order.tif === p.tif &&
    order.postOnly === p.postOnly &&
    order.stp === p.stp
  );
}

function refuse(code: CommandErrorCode, message: string, details?: Record<string, string>): CommandResult {
  const reply: CommandReply = details === undefined ? { ok: false, error: { code, message } } : { ok: false, error: { code, message, details } };
  return new ApplyResult(JSON.stringify(reply), NO_EVENTS, false, reply);
}
