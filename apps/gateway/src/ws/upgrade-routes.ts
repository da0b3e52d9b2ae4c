import { isSymbol } from '@trading/contracts';
import { decodeComponent, MalformedRequestError, parseQuery } from '../http/query-string.js';
import type { Endpoint } from './endpoints.js';
import type { ResumeRequest } from './client-session.js';

/** What an upgrade request asks for, once its path and query are understood. */
export type UpgradeTarget =
  | { endpoint: 'manual'; token?: string }
  | { endpoint: 'orders'; token?: string; resume?: ResumeRequest }
  | { endpoint: 'trades'; symbols: string[] | '*'; token?: string; resume?: ResumeRequest }
  | { endpoint: 'markets'; symbol: string; token?: string };

/** A refused upgrade: HTTP status plus the error code in the JSON body. */
export class UpgradeRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

const MARKETS_PREFIX = '/ws/markets/';

export function routeUpgrade(path: string, rawQuery: string, maxSymbols: number): UpgradeTarget {
  let query: Map<string, string>;
  try {
    query = parseQuery(rawQuery);
  } catch (err) {
    throw new UpgradeRefusal(400, 'BAD_REQUEST', (err as MalformedRequestError).message);
  }
  const token = query.get('token') || undefined;
  const endpoint = endpointOf(path);
  switch (endpoint) {
    case 'manual':
      return { endpoint, token };
    case 'orders':
      return { endpoint, token, resume: resumeQuery(query, '*') };
    case 'trades': {
      const symbols = tradeSymbols(query.get('symbols'), maxSymbols);
      return { endpoint, symbols, token, resume: resumeQuery(query, symbols) };
    }
    case 'markets': {
      let symbol: string;
      try {
        symbol = decodeComponent(path.slice(MARKETS_PREFIX.length), 'symbol');
      } catch (err) {
        throw new UpgradeRefusal(400, 'BAD_REQUEST', (err as Error).message);
      }
      if (!isSymbol(symbol)) throw new UpgradeRefusal(404, 'UNKNOWN_SYMBOL', 'symbol must be like BTC-USD');
      return { endpoint, symbol, token };
    }
  }
}

function endpointOf(path: string): Endpoint {
  if (path === '/ws') return 'manual';
  if (path === '/ws/orders') return 'orders';
  if (path === '/ws/trades') return 'trades';
  if (path.startsWith(MARKETS_PREFIX) && path.length > MARKETS_PREFIX.length && !path.slice(MARKETS_PREFIX.length).includes('/')) return 'markets';
  throw new UpgradeRefusal(404, 'NOT_FOUND', `no WebSocket endpoint at ${path.slice(0, 100)}`);
}

function tradeSymbols(value: string | undefined, maxSymbols: number): string[] | '*' {
  if (value === undefined) return '*';
  const symbols = [...new Set(value.split(',').map((s) => s.trim()))];
  if (symbols.length === 0 || symbols.some((s) => !isSymbol(s))) {
    throw new UpgradeRefusal(400, 'BAD_REQUEST', 'symbols must be a comma-separated list like BTC-USD,ETH-USD');
  }
  if (symbols.length > maxSymbols) throw new UpgradeRefusal(400, 'BAD_REQUEST', `at most ${maxSymbols} symbols per connection`);
  return symbols;
}

/**
 * `?fromSeq=N` (a stream of exactly one symbol: /ws/trades?symbols=BTC-USD) or
 * `?fromSeqs=BTC-USD:12,ETH-USD:40` (any /ws/orders or /ws/trades; symbols not named go live only).
 * seq is per NATS subject, so one number cannot stand for several symbols: fromSeq elsewhere is 400.
 */
function resumeQuery(query: Map<string, string>, symbols: string[] | '*'): ResumeRequest | undefined {
  const one = query.get('fromSeq');
  const many = query.get('fromSeqs');
  if (one === undefined && many === undefined) return undefined;
  if (one !== undefined && many !== undefined) throw new UpgradeRefusal(400, 'BAD_REQUEST', 'give fromSeq or fromSeqs, not both');
  if (one !== undefined) {
    if (symbols === '*' || symbols.length !== 1) {
      throw new UpgradeRefusal(400, 'BAD_REQUEST', 'fromSeq needs a stream of one symbol (e.g. /ws/trades?symbols=BTC-USD); use fromSeqs=BTC-USD:12,ETH-USD:40');
    }
    return { fromSeq: seqValue(one, 'fromSeq') };
  }
  const fromSeqs: Record<string, number> = {};
  const entries = many!.split(',');
  if (entries.length > 100) throw new UpgradeRefusal(400, 'BAD_REQUEST', 'fromSeqs may name at most 100 symbols');
  for (const entry of entries) {
    const sep = entry.lastIndexOf(':');
    const symbol = entry.slice(0, sep);
    if (sep < 0 || !isSymbol(symbol)) throw new UpgradeRefusal(400, 'BAD_REQUEST', 'fromSeqs must look like BTC-USD:12,ETH-USD:40');
    if (symbols !== '*' && !symbols.includes(symbol)) throw new UpgradeRefusal(400, 'BAD_REQUEST', `fromSeqs names ${symbol}, which is not in symbols`);
    fromSeqs[symbol] = seqValue(entry.slice(sep + 1), 'fromSeqs');
  }
  return { fromSeqs };
}

function seqValue(text: string, field: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new UpgradeRefusal(400, 'BAD_REQUEST', `${field}: a seq is a non-negative integer`);
  return Number(text);
}
