import { ALL_SYMBOLS, CHANNELS, isSymbol, type Channel, type ClientOp, type RequestId } from '@trading/contracts';

/**
 * A small typed parser for the control frames of contract section 5. Control frames are rare, so
 * clarity beats speed here; every failure names the bad field and keeps the request id when it can.
 */
export type ParseResult = { ok: true; op: ClientOp } | { ok: false; message: string; id?: RequestId };

const MAX_TOKEN_LENGTH = 8192;
/** Most per-symbol resume points in one `fromSeqs` (each costs a few JetStream reads). */
export const MAX_RESUME_POINTS = 100;

const isSeq = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** `fromSeq` (one symbol) / `fromSeqs` (`"*"`): the resume fields of a subscribe (issue 7). */
function resumeFields(frame: Record<string, unknown>, symbol: string): { ok: true; fromSeq?: number; fromSeqs?: Record<string, number> } | { ok: false; message: string } {
  const { fromSeq, fromSeqs } = frame;
  if (fromSeq === undefined && fromSeqs === undefined) return { ok: true };
  if (fromSeq !== undefined && fromSeqs !== undefined) return { ok: false, message: 'give fromSeq (one symbol) or fromSeqs ("*"), not both' };
  if (fromSeq !== undefined) {
    if (!isSeq(fromSeq)) return { ok: false, message: 'fromSeq must be a non-negative integer' };
    if (symbol === ALL_SYMBOLS) return { ok: false, message: 'fromSeq needs one symbol; for "*" use fromSeqs: {"BTC-USD": N, ...}' };
    return { ok: true, fromSeq };
  }
  if (symbol !== ALL_SYMBOLS) return { ok: false, message: 'fromSeqs is for "*" subscriptions; for one symbol use fromSeq' };
  if (typeof fromSeqs !== 'object' || fromSeqs === null || Array.isArray(fromSeqs)) return { ok: false, message: 'fromSeqs must be an object like {"BTC-USD": 12}' };
  const entries = Object.entries(fromSeqs);
  if (entries.length > MAX_RESUME_POINTS) return { ok: false, message: `fromSeqs may name at most ${MAX_RESUME_POINTS} symbols` };
  for (const [key, value] of entries) {
    if (!isSymbol(key)) return { ok: false, message: 'fromSeqs keys must be symbols like "BTC-USD"' };
    if (!isSeq(value)) return { ok: false, message: `fromSeqs.${key} must be a non-negative integer` };
  }
  return { ok: true, fromSeqs: Object.fromEntries(entries) as Record<string, number> };
}

function requestId(value: unknown): RequestId | undefined | false {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value.length <= 64) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  return false;
}

/**
 * Only the frame's `id` (undefined when the frame is not JSON or has no valid id): for an error frame
 * about a frame that is otherwise not handled (rate-limited), so the client can match it to its request.
 */
export function requestIdOf(text: string): RequestId | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    return requestId((value as Record<string, unknown>).id) || undefined;
  } catch {
    return undefined;
  }
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
      const symbol = frame.symbol as string;
      if (frame.op === 'unsubscribe') return { ok: true, op: { op: 'unsubscribe', channel, symbol, id } };
      const resume = resumeFields(frame, symbol);
      if (!resume.ok) return { ok: false, message: resume.message, id };
      const op: ClientOp = { op: 'subscribe', channel, symbol, id };
      if (resume.fromSeq !== undefined) op.fromSeq = resume.fromSeq;
      if (resume.fromSeqs !== undefined) op.fromSeqs = resume.fromSeqs;
      return { ok: true, op };
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
