import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { InvalidIdentifierError, parseSubject, subjects } from '../src/index.js';

describe('subject builders (contract 2)', () => {
  it('builds every subject of the contract table exactly', () => {
    expect(subjects.order('alice_1', 'BTC-USD')).toBe('trading.order.alice_1.BTC-USD');
    expect(subjects.trade('BTC-USD')).toBe('trading.trade.BTC-USD');
    expect(subjects.book('ETH-USD')).toBe('trading.book.ETH-USD');
    expect(subjects.command('BTC-USD')).toBe('trading.cmd.BTC-USD');
    expect(subjects.snapshot('BTC-USD')).toBe('trading.snapshot.BTC-USD');
  });

  it('builds the wildcard subscriptions gateways use', () => {
    expect(subjects.ordersOfUser('bob')).toBe('trading.order.bob.*');
    expect(subjects.allTrades()).toBe('trading.trade.*');
  });

  // A user id with "." or a wildcard would let one user subscribe to another's private stream.
  it.each(['a.b', '*', '>', '', 'a b', 'x'.repeat(65), 'ü'])('refuses user id %p with InvalidIdentifierError', (userId) => {
    expect(() => subjects.order(userId, 'BTC-USD')).toThrow(InvalidIdentifierError);
    expect(() => subjects.ordersOfUser(userId)).toThrow(InvalidIdentifierError);
  });

  it.each(['btc-usd', 'BTC.USD', '*', '>', '', 'BTC-USD.>', 'BTCUSD'])('refuses symbol %p in every builder', (symbol) => {
    for (const build of [subjects.trade, subjects.book, subjects.command, subjects.snapshot, (s: string) => subjects.order('u', s)]) {
      expect(() => build(symbol)).toThrow(InvalidIdentifierError);
    }
  });

  it('the error carries a code, the field and the value', () => {
    try {
      subjects.trade('bad.symbol');
      throw new Error('expected a throw');
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidIdentifierError);
      const e = err as InvalidIdentifierError;
      expect(e.code).toBe('INVALID_IDENTIFIER');
      expect(e.field).toBe('symbol');
      expect(e.value).toBe('bad.symbol');
      expect(e.message).toContain('bad.symbol');
      expect(e.name).toBe('InvalidIdentifierError');
    }
  });

  it('refuses non-string ids at run time (untyped callers)', () => {
    expect(() => subjects.trade(42 as unknown as string)).toThrow(InvalidIdentifierError);
    expect(() => subjects.order(undefined as unknown as string, 'BTC-USD')).toThrow(InvalidIdentifierError);
  });
});

describe('parseSubject', () => {
  it('parses each kind', () => {
    expect(parseSubject('trading.order.alice.BTC-USD')).toEqual({ kind: 'order', userId: 'alice', symbol: 'BTC-USD' });
    expect(parseSubject('trading.trade.BTC-USD')).toEqual({ kind: 'trade', symbol: 'BTC-USD' });
    expect(parseSubject('trading.book.BTC-USD')).toEqual({ kind: 'book', symbol: 'BTC-USD' });
    expect(parseSubject('trading.cmd.BTC-USD')).toEqual({ kind: 'command', symbol: 'BTC-USD' });
    expect(parseSubject('trading.snapshot.BTC-USD')).toEqual({ kind: 'snapshot', symbol: 'BTC-USD' });
  });

  it.each([
    '',
    'trading',
    'trading.',
    'trading.trade',
    'trading.trade.',
    'trading.trade.*',
    'trading.trade.>',
    'trading.trade.btc-usd',
    'trading.trade.BTC-USD.extra',
    'trading.order.alice',
    'trading.order.*.BTC-USD',
    'trading.order.alice.*',
    'trading.order.alice.BTC-USD.x',
    'trading.order..BTC-USD',
    'trading.orders.alice.BTC-USD',
    'trading.unknown.BTC-USD',
    'Trading.trade.BTC-USD',
    'other.trade.BTC-USD',
    'trading.trade.BTC-USD ',
    '_INBOX.abc',
  ])('returns undefined for %p', (subject) => {
    expect(parseSubject(subject)).toBeUndefined();
  });

  it('returns undefined for non-strings instead of throwing', () => {
    expect(parseSubject(undefined as unknown as string)).toBeUndefined();
    expect(parseSubject(7 as unknown as string)).toBeUndefined();
  });

  const symbolArb = fc
    .tuple(fc.stringMatching(/^[A-Z0-9]{1,12}$/), fc.stringMatching(/^[A-Z0-9]{1,12}$/))
    .map(([base, quote]) => `${base}-${quote}`);
  const userIdArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);

  it('round-trips every valid (userId, symbol) through build and parse', () => {
    fc.assert(
      fc.property(userIdArb, symbolArb, (userId, symbol) => {
        expect(parseSubject(subjects.order(userId, symbol))).toEqual({ kind: 'order', userId, symbol });
        expect(parseSubject(subjects.trade(symbol))).toEqual({ kind: 'trade', symbol });
        expect(parseSubject(subjects.book(symbol))).toEqual({ kind: 'book', symbol });
        expect(parseSubject(subjects.command(symbol))).toEqual({ kind: 'command', symbol });
        expect(parseSubject(subjects.snapshot(symbol))).toEqual({ kind: 'snapshot', symbol });
      }),
    );
  });

  it('never throws and only returns subject-safe ids for arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        for (const subject of [text, `trading.order.${text}`, `trading.trade.${text}`]) {
          const parsed = parseSubject(subject);
          if (parsed === undefined) continue;
          expect(parsed.symbol).toMatch(/^[A-Z0-9]{1,12}-[A-Z0-9]{1,12}$/);
          if (parsed.kind === 'order') expect(parsed.userId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
        }
      }),
    );
  });
});
