import type { CommandResult, SymbolEngine } from '@trading/order-book';
import type { PlaceCommand, TradingCommand } from '@trading/contracts';

/**
 * One JetStream message holds a batch of commands of one symbol. `ts` is the epoch-ms time the
 * sequencer assigned to the command; replay passes it back to the core, so the replayed events
 * are byte-identical to the published ones. Two versions exist; the writer produces version 2,
 * the reader replays both (a journal may hold version-1 batches written before the change).
 *
 * Version 1 (objects):
 *   {"v":1,"e":[[ts,{command}],[ts,{command}],...]}
 *
 * Version 2 (positional): one flat array, each entry a run of values whose second says its kind:
 *   {"v":2,"e":[ts,0,userId,clientOrderId,flags,price,quantity, ts,1,userId,orderId, ...]}
 *   - 0 place: `flags` packs side, orderType, timeInForce, postOnly and stp (layout below);
 *     `price` is the decimal string, or null for a market order; `quantity` the decimal string.
 *   - 1 cancel by orderId: ts,1,userId,orderId
 *   - 2 cancel by clientOrderId: ts,2,userId,clientOrderId
 *   - 3 any other command, as its JSON object: ts,3,{command}
 * An absent optional field and its default have different codes, so decoding gives back the
 * command exactly as sequenced (the object form of version 1). Decimal strings stay strings (not
 * ticks): a batch means the same under any tick/lot configuration, as version 1 did.
 * JSON.parse of one flat array of numbers and short strings builds no object per command, and the
 * replay reads the values in place (`replayEntries`).
 */
export const JOURNAL_FORMAT_VERSION = 2;

export interface JournalEntry {
  readonly ts: number;
  readonly command: TradingCommand;
}

const KIND_PLACE = 0;
const KIND_CANCEL_ORDER_ID = 1;
const KIND_CANCEL_CLIENT_ORDER_ID = 2;
const KIND_RAW = 3;
/** Values per entry of each kind (ts and kind included). */
const KIND_WIDTH = [7, 4, 4, 3];

// Place flags: bit 0 side (0 buy, 1 sell), bit 1 orderType (0 limit, 1 market), bits 2-3
// timeInForce, bits 4-5 postOnly, bits 6-8 stp; each optional field's code 0 means absent.
const TIF_SHIFT = 2;
const POST_ONLY_SHIFT = 4;
const STP_SHIFT = 6;
const TIF_VALUES = [undefined, 'GTC', 'IOC', 'FOK'] as const;
const POST_ONLY_VALUES = [undefined, false, true] as const;
const STP_VALUES = [undefined, 'none', 'expire_taker', 'expire_maker', 'expire_both'] as const;
const MAX_FLAGS = 1 + 2 + (3 << TIF_SHIFT) + (2 << POST_ONLY_SHIFT) + (4 << STP_SHIFT);

function tifCode(value: unknown): number {
  return value === undefined ? 0 : value === 'GTC' ? 1 : value === 'IOC' ? 2 : value === 'FOK' ? 3 : -1;
}
function postOnlyCode(value: unknown): number {
  return value === undefined ? 0 : value === false ? 1 : value === true ? 2 : -1;
}
function stpCode(value: unknown): number {
  return value === undefined ? 0 : value === 'none' ? 1 : value === 'expire_taker' ? 2 : value === 'expire_maker' ? 3 : value === 'expire_both' ? 4 : -1;
}

/**
 * One entry's text in the current version, built once when the command is sequenced. Commands
 * reach the journal only after validation, which admits no other keys than the contract's; the
 * positional kinds carry exactly those. Anything that does not fit them goes in whole (kind 3).
 */
export function encodeEntry(ts: number, command: TradingCommand): string {
  const c = command as unknown as Record<string, unknown>;
  if (c.type === 'place') {
    const tif = tifCode(c.timeInForce);
    const postOnly = postOnlyCode(c.postOnly);
    const stp = stpCode(c.stp);
    const market = c.orderType === 'market';
    if (
      typeof c.userId === 'string' &&
      typeof c.clientOrderId === 'string' &&
      (c.side === 'buy' || c.side === 'sell') &&
      (market ? c.price === undefined : c.orderType === 'limit' && typeof c.price === 'string') &&
      typeof c.quantity === 'string' &&
      tif >= 0 &&
      postOnly >= 0 &&
      stp >= 0
    ) {
      const flags = (c.side === 'sell' ? 1 : 0) | (market ? 2 : 0) | (tif << TIF_SHIFT) | (postOnly << POST_ONLY_SHIFT) | (stp << STP_SHIFT);
      const price = market ? 'null' : JSON.stringify(c.price);
      return `${ts},0,${JSON.stringify(c.userId)},${JSON.stringify(c.clientOrderId)},${flags},${price},${JSON.stringify(c.quantity)}`;
    }
  } else if (c.type === 'cancel' && typeof c.userId === 'string') {
    if (typeof c.orderId === 'string' && c.clientOrderId === undefined) return `${ts},1,${JSON.stringify(c.userId)},${JSON.stringify(c.orderId)}`;
    if (typeof c.clientOrderId === 'string' && c.orderId === undefined) return `${ts},2,${JSON.stringify(c.userId)},${JSON.stringify(c.clientOrderId)}`;
  }
  return `${ts},3,${JSON.stringify(command)}`;
}

export function encodeBatch(entries: readonly string[]): string {
  return `{"v":2,"e":[${entries.join(',')}]}`;
}

/** Version 1, as written before version 2 (tests and benchmarks write old journals with these). */
export function encodeEntryV1(ts: number, command: TradingCommand): string {
  return `[${ts},${JSON.stringify(command)}]`;
}

export function encodeBatchV1(entries: readonly string[]): string {
  return `{"v":1,"e":[${entries.join(',')}]}`;
}

/** A decoded batch of either version; read it with `replayEntries`, `applyEntries` or `batchEntries`. */
export type JournalEntries =
  | { readonly version: 1; readonly length: number; readonly entries: readonly JournalEntry[] }
  | { readonly version: 2; readonly length: number; readonly values: readonly unknown[] };

/** `entries` materializes `{ts, command}` objects on demand (tests, tools); replay uses `batch`. */
export type DecodedBatch = { ok: true; batch: JournalEntries; readonly entries: JournalEntry[] } | { ok: false; reason: string };

function decoded(batch: JournalEntries): DecodedBatch {
  return {
    ok: true,
    batch,
    get entries() {
      return batchEntries(batch);
    },
  };
}

const isTs = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

export function decodeBatch(text: string): DecodedBatch {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const batch = raw as { v?: unknown; e?: unknown };
  if (typeof raw !== 'object' || raw === null || !Array.isArray(batch.e)) return { ok: false, reason: 'not a journal batch' };
  if (batch.v === 2) return decodeV2(batch.e as unknown[]);
  if (batch.v !== 1) return { ok: false, reason: `unknown batch version ${JSON.stringify(batch.v)}` };
  const entries: JournalEntry[] = [];
  for (const item of batch.e as unknown[]) {
    if (!Array.isArray(item) || typeof item[0] !== 'number' || typeof item[1] !== 'object' || item[1] === null) {
      return { ok: false, reason: 'malformed entry' };
    }
    entries.push({ ts: item[0], command: item[1] as TradingCommand });
  }
  return decoded({ version: 1, length: entries.length, entries });
}

/** Checks every value's type once, so that the replay loop can read them without checks. */
function decodeV2(values: unknown[]): DecodedBatch {
  let count = 0;
  let i = 0;
  const n = values.length;
  while (i < n) {
    const kind = values[i + 1];
    if (!isTs(values[i]) || (kind !== KIND_PLACE && kind !== KIND_CANCEL_ORDER_ID && kind !== KIND_CANCEL_CLIENT_ORDER_ID && kind !== KIND_RAW) || i + KIND_WIDTH[kind] > n) {
      return { ok: false, reason: `malformed entry at value ${i}` };
    }
    if (kind === KIND_PLACE) {
      const flags = values[i + 4];
      const price = values[i + 5];
      if (
        typeof values[i + 2] !== 'string' ||
        typeof values[i + 3] !== 'string' ||
        typeof flags !== 'number' ||
        !Number.isInteger(flags) ||
        flags < 0 ||
        flags > MAX_FLAGS ||
        ((flags >> TIF_SHIFT) & 3) >= TIF_VALUES.length ||
        ((flags >> POST_ONLY_SHIFT) & 3) >= POST_ONLY_VALUES.length ||
        ((flags >> STP_SHIFT) & 7) >= STP_VALUES.length ||
        ((flags & 2) === 0 ? typeof price !== 'string' : price !== null) ||
        typeof values[i + 6] !== 'string'
      ) {
        return { ok: false, reason: `malformed place entry at value ${i}` };
      }
    } else if (kind === KIND_RAW) {
      const command = values[i + 2];
      if (typeof command !== 'object' || command === null || Array.isArray(command)) return { ok: false, reason: `malformed entry at value ${i}` };
    } else if (typeof values[i + 2] !== 'string' || typeof values[i + 3] !== 'string') {
      return { ok: false, reason: `malformed cancel entry at value ${i}` };
    }
    i += KIND_WIDTH[kind];
    count++;
  }
  return decoded({ version: 2, length: count, values });
}

/**
 * Reused for every version-2 entry: the core reads the command's fields and keeps only its strings,
 * never the object, so one object per kind serves a whole batch (one shape, no garbage). Plain
 * object literals, not class instances: the contracts' fast DTO check accepts only plain objects.
 */
interface PlaceScratch {
  type: 'place';
  userId: string;
  clientOrderId: string;
  side: 'buy' | 'sell';
  orderType: 'limit' | 'market';
  price: string | undefined;
  quantity: string;
  timeInForce: PlaceCommand['timeInForce'];
  postOnly: boolean | undefined;
  stp: PlaceCommand['stp'];
}

interface CancelScratch {
  type: 'cancel';
  userId: string;
  orderId: string | undefined;
  clientOrderId: string | undefined;
}

const newPlace = (): PlaceScratch => ({
  type: 'place',
  userId: '',
  clientOrderId: '',
  side: 'buy',
  orderType: 'limit',
  price: undefined,
  quantity: '',
  timeInForce: undefined,
  postOnly: undefined,
  stp: undefined,
});

const newCancel = (): CancelScratch => ({ type: 'cancel', userId: '', orderId: undefined, clientOrderId: undefined });

function fillPlace(p: PlaceScratch, values: readonly unknown[], i: number): PlaceScratch {
  const flags = values[i + 4] as number;
  p.userId = values[i + 2] as string;
  p.clientOrderId = values[i + 3] as string;
  p.side = (flags & 1) === 0 ? 'buy' : 'sell';
  p.orderType = (flags & 2) === 0 ? 'limit' : 'market';
  p.price = (flags & 2) === 0 ? (values[i + 5] as string) : undefined;
  p.quantity = values[i + 6] as string;
  p.timeInForce = TIF_VALUES[(flags >> TIF_SHIFT) & 3];
  p.postOnly = POST_ONLY_VALUES[(flags >> POST_ONLY_SHIFT) & 3];
  p.stp = STP_VALUES[(flags >> STP_SHIFT) & 7];
  return p;
}

function fillCancel(c: CancelScratch, values: readonly unknown[], i: number, byOrderId: boolean): CancelScratch {
  c.userId = values[i + 2] as string;
  c.orderId = byOrderId ? (values[i + 3] as string) : undefined;
  c.clientOrderId = byOrderId ? undefined : (values[i + 3] as string);
  return c;
}

/**
 * State-only replay of every entry (recovery below the published watermark). Version-2 entries
 * were validated when they were sequenced (only accepted commands are journaled), so the core
 * skips the DTO check for them (`replay(..., true)`); symbol rules are still checked. Every entry,
 * of either version, is passed as accepted (`replay(..., validated, true)`): the journal holds a
 * symbol's accepted commands in order, so no place is an idempotent repeat and the core skips
 * that lookup.
 * Call `engine.finishReplay()` after the last batch (recovery does).
 */
export function replayEntries(engine: SymbolEngine, batch: JournalEntries): void {
  if (batch.version === 1) {
    const entries = batch.entries;
    for (let i = 0; i < entries.length; i++) engine.replay(entries[i].command, entries[i].ts, false, true);
    return;
  }
  const values = batch.values;
  const place = newPlace();
  const cancel = newCancel();
  const n = values.length;
  let i = 0;
  while (i < n) {
    const ts = values[i] as number;
    const kind = values[i + 1] as number;
    if (kind === KIND_PLACE) engine.replay(fillPlace(place, values, i) as PlaceCommand, ts, true, true);
    else if (kind === KIND_RAW) engine.replay(values[i + 2] as TradingCommand, ts, false, true);
    else engine.replay(fillCancel(cancel, values, i, kind === KIND_CANCEL_ORDER_ID) as TradingCommand, ts, true, true);
    i += KIND_WIDTH[kind];
  }
}

/** Full `apply` of every entry, in order (recovery above the watermark: its events go out again). */
export function applyEntries(engine: SymbolEngine, batch: JournalEntries, onResult: (result: CommandResult) => void): void {
  if (batch.version === 1) {
    for (const entry of batch.entries) onResult(engine.apply(entry.command, entry.ts, true));
    return;
  }
  const values = batch.values;
  const place = newPlace();
  const cancel = newCancel();
  let i = 0;
  while (i < values.length) {
    const ts = values[i] as number;
    const kind = values[i + 1] as number;
    const command =
      kind === KIND_PLACE
        ? (fillPlace(place, values, i) as PlaceCommand)
        : kind === KIND_RAW
          ? (values[i + 2] as TradingCommand)
          : (fillCancel(cancel, values, i, kind === KIND_CANCEL_ORDER_ID) as TradingCommand);
    onResult(engine.apply(command, ts, true));
    i += KIND_WIDTH[kind];
  }
}

/** The entries as `{ts, command}` objects, absent optional fields left out (tests, tools). */
export function batchEntries(batch: JournalEntries): JournalEntry[] {
  if (batch.version === 1) return [...batch.entries];
  const out: JournalEntry[] = [];
  const values = batch.values;
  let i = 0;
  while (i < values.length) {
    const ts = values[i] as number;
    const kind = values[i + 1] as number;
    let command: Record<string, unknown>;
    if (kind === KIND_PLACE) command = { ...fillPlace(newPlace(), values, i) };
    else if (kind === KIND_RAW) command = values[i + 2] as Record<string, unknown>;
    else command = { ...fillCancel(newCancel(), values, i, kind === KIND_CANCEL_ORDER_ID) };
    for (const key of Object.keys(command)) if (command[key] === undefined) delete command[key];
    out.push({ ts, command: command as unknown as TradingCommand });
    i += KIND_WIDTH[kind];
  }
  return out;
}
