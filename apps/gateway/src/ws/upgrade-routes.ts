import { isSymbol } from '@trading/contracts';
import { decodeComponent, MalformedRequestError, parseQuery } from '../http/query-string.js';
import type { Endpoint } from './endpoints.js';

/** What an upgrade request asks for, once its path and query are understood. */
export type UpgradeTarget =
  | { endpoint: 'manual' | 'orders'; token?: string }
  | { endpoint: 'trades'; symbols: string[] | '*'; token?: string }
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
    case 'orders':
      return { endpoint, token };
    case 'trades':
      return { endpoint, symbols: tradeSymbols(query.get('symbols'), maxSymbols), token };
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
