import { isSymbol, isUserId } from './identifiers.js';
import { InvalidIdentifierError } from './errors.js';

/** Every subject of contract v1, section 2. Builders refuse ids that are not subject-safe. */
export const SUBJECT_ROOT = 'trading';

function requireSymbol(symbol: string): string {
  if (!isSymbol(symbol)) throw new InvalidIdentifierError('symbol', symbol);
  return symbol;
}

function requireUserId(userId: string): string {
  if (!isUserId(userId)) throw new InvalidIdentifierError('userId', userId);
  return userId;
}

export const subjects = {
  order: (userId: string, symbol: string) => `trading.order.${requireUserId(userId)}.${requireSymbol(symbol)}`,
  /** All symbols of one user: what a gateway subscribes to for a user's `/ws/orders`. */
  ordersOfUser: (userId: string) => `trading.order.${requireUserId(userId)}.*`,
  trade: (symbol: string) => `trading.trade.${requireSymbol(symbol)}`,
  allTrades: () => 'trading.trade.*',
  book: (symbol: string) => `trading.book.${requireSymbol(symbol)}`,
  command: (symbol: string) => `trading.cmd.${requireSymbol(symbol)}`,
  snapshot: (symbol: string) => `trading.snapshot.${requireSymbol(symbol)}`,
} as const;

export type ParsedSubject =
  | { kind: 'order'; userId: string; symbol: string }
  | { kind: 'trade'; symbol: string }
  | { kind: 'book'; symbol: string }
  | { kind: 'command'; symbol: string }
  | { kind: 'snapshot'; symbol: string };

/** Parses a concrete (wildcard-free) subject; returns undefined for anything that is not a contract subject. */
export function parseSubject(subject: string): ParsedSubject | undefined {
  if (typeof subject !== 'string') return undefined;
  const parts = subject.split('.');
  if (parts[0] !== SUBJECT_ROOT) return undefined;
  if (parts[1] === 'order') {
    if (parts.length !== 4 || !isUserId(parts[2]) || !isSymbol(parts[3])) return undefined;
    return { kind: 'order', userId: parts[2], symbol: parts[3] };
  }
  if (parts.length !== 3 || !isSymbol(parts[2])) return undefined;
  switch (parts[1]) {
    case 'trade':
      return { kind: 'trade', symbol: parts[2] };
    case 'book':
      return { kind: 'book', symbol: parts[2] };
    case 'cmd':
      return { kind: 'command', symbol: parts[2] };
    case 'snapshot':
      return { kind: 'snapshot', symbol: parts[2] };
    default:
      return undefined;
  }
}
