import { ALL_SYMBOLS, CHANNELS, isSymbol, type Channel, type ClientOp, type RequestId } from '@trading/contracts';

/**
 * A small typed parser for the control frames of contract section 5. Control frames are rare, so
 * clarity beats speed here; every failure names the bad field and keeps the request id when it can.
 */
export type ParseResult = { ok: true; op: ClientOp } | { ok: false; message: string; id?: RequestId };

const MAX_TOKEN_LENGTH = 8192;

function requestId(value: unknown): RequestId | undefined | false {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value.length <= 64) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  return false;
}

export function parseClientOp(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: 'frame is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: 'frame must be a JSON object' };
  const frame = value as Record<string, unknown>;
  const id = requestId(frame.id);
  if (id === false) return { ok: false, message: 'id must be an integer or a string of at most 64 characters' };
  switch (frame.op) {
    case 'subscribe':
    case 'unsubscribe': {
      if (!CHANNELS.includes(frame.channel as Channel)) return { ok: false, message: 'channel must be one of trades, book, orders', id };
      const channel = frame.channel as Channel;
      if (frame.symbol === ALL_SYMBOLS) {
        if (channel === 'book') return { ok: false, message: 'symbol "*" is not allowed for the book channel', id };
      } else if (!isSymbol(frame.symbol)) {
        return { ok: false, message: 'symbol must be like "BTC-USD" (or "*" for trades and orders)', id };
      }
      return { ok: true, op: { op: frame.op, channel, symbol: frame.symbol as string, id } };
    }
    case 'auth':
      if (typeof frame.token !== 'string' || frame.token.length === 0 || frame.token.length > MAX_TOKEN_LENGTH) {
        return { ok: false, message: 'token must be a non-empty string', id };
      }
      return { ok: true, op: { op: 'auth', token: frame.token, id } };
    case 'ping':
      return { ok: true, op: { op: 'ping', id } };
    default:
      return { ok: false, message: 'op must be one of subscribe, unsubscribe, auth, ping', id };
  }
}
