import { DecimalError, lotsToQuantity, parseScaled, type PlaceCommand, type SymbolSpec } from '@trading/contracts';
import {
  BUY,
  SELL,
  STP_EXPIRE_BOTH,
  STP_EXPIRE_MAKER,
  STP_EXPIRE_TAKER,
  STP_NONE,
  TIF_FOK,
  TIF_GTC,
  TIF_IOC,
  type SideCode,
  type StpCode,
  type TifCode,
} from '../book/codes.js';

/** A place command checked against the symbol's rules, in integers, with every default applied. */
export interface ParsedPlace {
  readonly side: SideCode;
  readonly isMarket: boolean;
  /** Ticks; 0 for market orders. */
  readonly price: number;
  readonly quantity: number;
  readonly tif: TifCode;
  readonly postOnly: boolean;
  readonly stp: StpCode;
}

/** The engine's reusable, writable ParsedPlace: one per engine, refilled by every place command. */
export class PlaceScratch implements ParsedPlace {
  side: SideCode = BUY;
  isMarket = false;
  price = 0;
  quantity = 0;
  tif: TifCode = TIF_GTC;
  postOnly = false;
  stp: StpCode = STP_EXPIRE_TAKER;
}

export type PlaceRulesResult = { ok: true; value: ParsedPlace } | { ok: false; details: Record<string, string> };

// Prototype-free lookups: "constructor" or "__proto__" must not look like a known value.
const TIF_CODES: Readonly<Record<string, TifCode>> = Object.assign(Object.create(null), { GTC: TIF_GTC, IOC: TIF_IOC, FOK: TIF_FOK });
const STP_CODES: Readonly<Record<string, StpCode>> = Object.assign(Object.create(null), {
  none: STP_NONE,
  expire_taker: STP_EXPIRE_TAKER,
  expire_maker: STP_EXPIRE_MAKER,
  expire_both: STP_EXPIRE_BOTH,
});

/**
 * Symbol rules of a place command (tick, lot, minimum quantity, order-type combinations). Every bad
 * field is reported, not just the first, so clients can fix a command in one round trip.
 */
export function checkPlaceRules(spec: SymbolSpec, command: PlaceCommand): PlaceRulesResult {
  const out = new PlaceScratch();
  const details = parsePlaceInto(spec, command, out);
  return details === undefined ? { ok: true, value: out } : { ok: false, details };
}

/**
 * checkPlaceRules without allocating on success (it runs for every place command): fills `out` and
 * returns undefined, or returns the per-field messages (and `out` is then meaningless).
 */
export function parsePlaceInto(spec: SymbolSpec, command: PlaceCommand, out: PlaceScratch): Record<string, string> | undefined {
  let details: Record<string, string> | undefined;

  const side: SideCode = command.side === 'sell' ? SELL : BUY;
  if (command.side !== 'buy' && command.side !== 'sell') (details ??= {}).side = 'side must be "buy" or "sell"';

  const isMarket = command.orderType === 'market';
  if (!isMarket && command.orderType !== 'limit') (details ??= {}).orderType = 'orderType must be "limit" or "market"';

  // Contract section 4: timeInForce defaults to GTC for every order type. A market order never
  // rests whatever its timeInForce (section 3: its unfilled rest ends EXPIRED); FOK still means
  // all or nothing.
  const tifText = command.timeInForce ?? 'GTC';
  const tif = TIF_CODES[tifText];
  if (tif === undefined) (details ??= {}).timeInForce = 'timeInForce must be one of GTC, IOC, FOK';

  const stp = STP_CODES[command.stp ?? 'expire_taker'];
  if (stp === undefined) (details ??= {}).stp = 'stp must be one of none, expire_taker, expire_maker, expire_both';

  const postOnly = command.postOnly ?? false;
  if (typeof postOnly !== 'boolean') (details ??= {}).postOnly = 'postOnly must be a boolean';
  else if (postOnly && (isMarket || tif !== TIF_GTC)) (details ??= {}).postOnly = 'postOnly is allowed only on GTC limit orders';

  let price = 0;
  if (isMarket) {
    if (command.price !== undefined) (details ??= {}).price = 'price must be absent for market orders';
  } else {
    const ticks = toUnits(command.price, spec.tick.decimals, spec.tick.units, 'price', 'tick', spec.tick.text);
    if (typeof ticks === 'string') (details ??= {}).price = ticks;
    else if (ticks === 0) (details ??= {}).price = 'price must be greater than zero';
    else price = ticks;
  }

  let quantity = 0;
  const lots = toUnits(command.quantity, spec.lot.decimals, spec.lot.units, 'quantity', 'lot', spec.lot.text);
  if (typeof lots === 'string') (details ??= {}).quantity = lots;
  else if (lots === 0) (details ??= {}).quantity = 'quantity must be greater than zero';
  else if (lots < spec.minLots) (details ??= {}).quantity = `quantity must be at least the minimum quantity ${minQuantityText(spec)}`;
  else quantity = lots;

  if (details !== undefined) return details;
  out.side = side;
  out.isMarket = isMarket;
  out.price = price;
  out.quantity = quantity;
  out.tif = tif as TifCode;
  out.postOnly = postOnly as boolean;
  out.stp = stp as StpCode;
  return undefined;
}

const POW10: readonly number[] = Array.from({ length: 16 }, (_, i) => 10 ** i);

/**
 * parseScaled's answer for plain, in-range decimal strings, without a regex or intermediate
 * strings; -1 whenever parseScaled itself must decide (anything unusual, every error). Equivalence
 * with parseScaled is property-tested.
 */
export function fastScaled(value: unknown, decimals: number): number {
  if (typeof value !== 'string') return -1;
  const length = value.length;
  // At most 16 digits plus a dot: beyond that parseScaled decides (range errors).
  if (length === 0 || length > 17 || decimals > 15) return -1;
  let n = 0;
  let i = 0;
  for (; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c === 46) break;
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  // No digits before the dot, or a leading zero ("01"): the slow path refuses these.
  if (i === 0 || (i > 1 && value.charCodeAt(0) === 48)) return -1;
  let fraction = 0;
  if (i < length) {
    if (i === length - 1) return -1; // "1."
    for (i++; i < length; i++) {
      const c = value.charCodeAt(i);
      if (c < 48 || c > 57 || ++fraction > decimals) return -1;
      n = n * 10 + (c - 48);
    }
  }
  n *= POW10[decimals - fraction];
  return Number.isSafeInteger(n) ? n : -1;
}

/** Whole steps, or a message saying what is wrong. */
function toUnits(value: unknown, decimals: number, units: number, field: string, stepName: string, stepText: string): number | string {
  let scaled = fastScaled(value, decimals);
  if (scaled >= 0) return scaled % units === 0 ? scaled / units : `${field} must be a multiple of the ${stepName} ${stepText}`;
  try {
    scaled = parseScaled(value, decimals);
  } catch (err) {
    if (!(err instanceof DecimalError)) return `${field} is not a valid decimal string`;
    switch (err.reason) {
      case 'TOO_MANY_DECIMALS':
        return `${field} has more than ${decimals} decimals (${stepName} ${stepText})`;
      case 'OUT_OF_RANGE':
        return `${field} is out of range`;
      default:
        return `${field} must be a decimal string such as "1.25" (no sign, exponent or number)`;
    }
  }
  if (scaled % units !== 0) return `${field} must be a multiple of the ${stepName} ${stepText}`;
  return scaled / units;
}

function minQuantityText(spec: SymbolSpec): string {
  return lotsToQuantity(spec, spec.minLots);
}
