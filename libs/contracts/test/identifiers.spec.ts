import { describe, expect, it } from '@jest/globals';
import {
  CLIENT_ORDER_ID_PATTERN,
  DECIMAL_STRING,
  isClientOrderId,
  isOrderId,
  isSymbol,
  isUserId,
} from '../src/index.js';

const repeat = (ch: string, n: number) => ch.repeat(n);

describe('symbols (contract 1: ^[A-Z0-9]{1,12}-[A-Z0-9]{1,12}$)', () => {
  it.each(['BTC-USD', 'A-B', '1-2', 'ETH2-USDT', `${repeat('A', 12)}-${repeat('9', 12)}`])('accepts %s', (symbol) => {
    expect(isSymbol(symbol)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['lowercase', 'btc-usd'],
    ['mixed case', 'Btc-USD'],
    ['no dash', 'BTCUSD'],
    ['two dashes', 'BTC-USD-X'],
    ['empty base', '-USD'],
    ['empty quote', 'BTC-'],
    ['13-char base', `${repeat('A', 13)}-USD`],
    ['13-char quote', `BTC-${repeat('A', 13)}`],
    ['dot (subject separator)', 'BTC.USD'],
    ['dot inside', 'BTC-US.D'],
    ['star wildcard', '*'],
    ['star inside', 'BTC-*'],
    ['gt wildcard', 'BTC->'],
    ['space', 'BTC -USD'],
    ['trailing newline', 'BTC-USD\n'],
    ['leading space', ' BTC-USD'],
    ['underscore', 'BTC_USD'],
    ['unicode letter', 'BTÇ-USD'],
    ['fullwidth digit', 'BTC-US１'],
  ])('rejects %s', (_label, symbol) => {
    expect(isSymbol(symbol)).toBe(false);
  });

  it.each([undefined, null, 42, ['BTC-USD'], { symbol: 'BTC-USD' }])('rejects non-string %p', (value) => {
    expect(isSymbol(value)).toBe(false);
  });
});

describe('user ids (contract 1: ^[A-Za-z0-9_-]{1,64}$, subject-safe)', () => {
  it.each(['a', 'Z', '0', '_', '-', 'user_42', 'Alice-Bob', repeat('x', 64)])('accepts %s', (id) => {
    expect(isUserId(id)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['65 chars', repeat('x', 65)],
    ['dot', 'alice.bob'],
    ['star', '*'],
    ['gt', '>'],
    ['space', 'alice bob'],
    ['tab', 'a\tb'],
    ['trailing newline', 'alice\n'],
    ['colon', 'a:b'],
    ['slash', 'a/b'],
    ['at sign', 'alice@example.com'],
    ['unicode', 'ålice'],
    ['emoji', 'a😀'],
  ])('rejects %s', (_label, id) => {
    expect(isUserId(id)).toBe(false);
  });

  it.each([undefined, null, 7, true, {}])('rejects non-string %p', (value) => {
    expect(isUserId(value)).toBe(false);
  });
});

describe('client order ids (bounded, ^[A-Za-z0-9_.:-]{1,64}$)', () => {
  it.each(['c1', 'a.b:c-d_e', repeat('9', 64)])('accepts %s', (id) => {
    expect(isClientOrderId(id)).toBe(true);
    expect(CLIENT_ORDER_ID_PATTERN.test(id)).toBe(true);
  });

  it.each(['', repeat('9', 65), 'a b', 'a*b', 'a>b', 'ü', 'a\n'])('rejects %p', (id) => {
    expect(isClientOrderId(id)).toBe(false);
  });

  it('rejects non-strings', () => {
    expect(isClientOrderId(12)).toBe(false);
    expect(isClientOrderId(null)).toBe(false);
  });
});

describe('order ids ({symbol}-{n})', () => {
  it.each(['BTC-USD-1', 'BTC-USD-42', `A-B-${repeat('9', 16)}`])('accepts %s', (id) => {
    expect(isOrderId(id)).toBe(true);
  });

  it.each(['', 'BTC-USD', 'BTC-USD-', 'btc-usd-1', 'BTC-USD-x1', `A-B-${repeat('9', 17)}`, 'BTC.USD-1', 'BTC-USD-1 ', 'BTC-USD--1'])(
    'rejects %p',
    (id) => {
      expect(isOrderId(id)).toBe(false);
    },
  );

  it('rejects non-strings', () => {
    expect(isOrderId(1)).toBe(false);
    expect(isOrderId(undefined)).toBe(false);
  });
});

describe('DECIMAL_STRING (the wire shape of prices and quantities)', () => {
  it.each(['0', '0.0', '0.0000', '1', '10', '50000.00', '0.5', '123456789.123456789'])('accepts %s', (text) => {
    expect(DECIMAL_STRING.test(text)).toBe(true);
  });

  it.each(['', ' ', '.5', '5.', '01', '00', '00.5', '-1', '+1', '1e5', '1E5', '1_000', '1,5', ' 1', '1 ', '1\n', 'NaN', 'Infinity', '0x10', '١'])(
    'rejects %p',
    (text) => {
      expect(DECIMAL_STRING.test(text)).toBe(false);
    },
  );
});
