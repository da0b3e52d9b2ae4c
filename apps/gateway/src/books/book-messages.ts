import type { PriceLevel } from '@trading/contracts';

/** The parts of a book message the gateway needs; the rest of the payload passes through untouched. */
export interface BookMessage {
  seq: number;
  ts: number;
  bids: PriceLevel[];
  asks: PriceLevel[];
}

export class MalformedBookMessageError extends Error {
  readonly code = 'MALFORMED_BOOK_MESSAGE';
}

/** The engine answered the snapshot request with a refusal (`{"ok":false,"error":{...}}`), e.g. SNAPSHOT_TOO_LARGE. */
export class SnapshotRefusedError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'SnapshotRefusedError';
  }
}

function isLevels(value: unknown): value is PriceLevel[] {
  return Array.isArray(value) && value.every((l) => Array.isArray(l) && l.length >= 2 && typeof l[0] === 'string' && typeof l[1] === 'string');
}

/** Parses an OrderBookUpdate or OrderBookSnapshot payload; throws MalformedBookMessageError on anything else. */
export function parseBookMessage(data: Uint8Array | string): BookMessage {
  let value: unknown;
  try {
    value = JSON.parse(typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch {
    throw new MalformedBookMessageError('book message is not JSON');
  }
  const v = value as Record<string, unknown>;
  if (typeof v !== 'object' || v === null) throw new MalformedBookMessageError('book message is not an object');
  if (v.ok === false) {
    const error = (v.error ?? {}) as Record<string, unknown>;
    throw new SnapshotRefusedError(String(error.code ?? 'UNKNOWN'), String(error.message ?? 'refused'), error.details);
  }
  if (!Number.isSafeInteger(v.seq) || (v.seq as number) < 0) throw new MalformedBookMessageError('book message has no valid seq');
  if (!isLevels(v.bids) || !isLevels(v.asks)) throw new MalformedBookMessageError('book message has no valid bids/asks');
  return { seq: v.seq as number, ts: typeof v.ts === 'number' ? v.ts : Date.now(), bids: v.bids, asks: v.asks };
}
