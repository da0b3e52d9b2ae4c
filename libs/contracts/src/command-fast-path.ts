import type { TradingCommand } from './commands.js';
import { CLIENT_ORDER_ID_PATTERN, DECIMAL_STRING, ORDER_ID_PATTERN, USER_ID_PATTERN } from './identifiers.js';

/**
 * Why this exists: class-validator costs ~13 us per command, which alone would cap an engine core
 * near 75k commands/s. This check accepts only commands that the class-validator DTOs also accept
 * (a property test holds it to that); anything it does not accept at once goes to class-validator,
 * which stays the authority and produces the error details.
 */
const PLACE_KEYS = new Set(['type', 'userId', 'clientOrderId', 'side', 'orderType', 'price', 'quantity', 'timeInForce', 'postOnly', 'stp']);
const CANCEL_KEYS = new Set(['type', 'userId', 'orderId', 'clientOrderId']);

function onlyKeys(raw: Record<string, unknown>, allowed: Set<string>): boolean {
  for (const key in raw) if (!allowed.has(key)) return false;
  return true;
}

const matches = (value: unknown, pattern: RegExp): boolean => typeof value === 'string' && pattern.test(value);

function isPlainRecord(raw: unknown): raw is Record<string, unknown> {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) && Object.getPrototypeOf(raw) === Object.prototype;
}

export function fastAcceptCommand(raw: unknown): raw is TradingCommand {
  if (!isPlainRecord(raw)) return false;
  if (raw.type === 'place') {
    if (!onlyKeys(raw, PLACE_KEYS)) return false;
    if (!matches(raw.userId, USER_ID_PATTERN) || !matches(raw.clientOrderId, CLIENT_ORDER_ID_PATTERN)) return false;
    if (raw.side !== 'buy' && raw.side !== 'sell') return false;
    if (raw.orderType === 'limit') {
      if (!matches(raw.price, DECIMAL_STRING)) return false;
    } else if (raw.orderType !== 'market' || raw.price !== undefined) return false;
    if (!matches(raw.quantity, DECIMAL_STRING)) return false;
    const tif = raw.timeInForce;
    if (tif !== undefined && tif !== 'GTC' && tif !== 'IOC' && tif !== 'FOK') return false;
    if (raw.postOnly !== undefined && typeof raw.postOnly !== 'boolean') return false;
    const stp = raw.stp;
    if (stp !== undefined && stp !== 'none' && stp !== 'expire_taker' && stp !== 'expire_maker' && stp !== 'expire_both') return false;
    return true;
  }
  if (raw.type === 'cancel') {
    if (!onlyKeys(raw, CANCEL_KEYS) || !matches(raw.userId, USER_ID_PATTERN)) return false;
    // Exactly one of orderId / clientOrderId, as in CancelCommandDto.
    if (raw.orderId !== undefined) return raw.clientOrderId === undefined && matches(raw.orderId, ORDER_ID_PATTERN);
    return matches(raw.clientOrderId, CLIENT_ORDER_ID_PATTERN);
  }
  return false;
}
