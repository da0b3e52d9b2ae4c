import { describe, expect, it } from '@jest/globals';
import { ALL_SYMBOLS, AuthOpDto, CHANNELS, CLIENT_OPS, PingOpDto, SubscriptionOpDto, validateClientOp, validateDto } from '../src/index.js';

function details(raw: unknown): Record<string, string> {
  const result = validateClientOp(raw);
  if (result.ok) throw new Error(`expected a refusal for ${JSON.stringify(raw)}`);
  return result.details;
}

describe('client ops of GET /ws (contract 5)', () => {
  it('names the channels and ops of the contract', () => {
    expect([...CHANNELS]).toEqual(['trades', 'book', 'orders']);
    expect([...CLIENT_OPS]).toEqual(['subscribe', 'unsubscribe', 'auth', 'ping']);
    expect(ALL_SYMBOLS).toBe('*');
  });

  it.each([
    { op: 'subscribe', channel: 'trades', symbol: 'BTC-USD', id: 1 },
    { op: 'subscribe', channel: 'trades', symbol: '*', id: 1 },
    { op: 'subscribe', channel: 'orders', symbol: '*' },
    { op: 'subscribe', channel: 'orders', symbol: 'ETH-USD', id: 'req-7' },
    { op: 'subscribe', channel: 'book', symbol: 'BTC-USD', id: 0 },
    { op: 'unsubscribe', channel: 'book', symbol: 'BTC-USD', id: 2 },
    { op: 'unsubscribe', channel: 'trades', symbol: '*' },
    { op: 'auth', token: 'a.b.c', id: 2 },
    { op: 'ping', id: 3 },
    { op: 'ping' },
    { op: 'ping', id: 'x'.repeat(64) },
    { op: 'ping', id: Number.MAX_SAFE_INTEGER },
  ])('accepts %p', (raw) => {
    const result = validateClientOp(raw);
    expect(result.ok).toBe(true);
    expect(result.ok && { ...result.value }).toEqual(raw);
  });

  it('refuses "*" for the book channel (subscribe and unsubscribe)', () => {
    expect(details({ op: 'subscribe', channel: 'book', symbol: '*', id: 1 })).toEqual({
      symbol: 'symbol "*" is not allowed for the book channel',
    });
    expect(Object.keys(details({ op: 'unsubscribe', channel: 'book', symbol: '*' }))).toEqual(['symbol']);
  });

  it.each([
    [{ op: 'subscribe', channel: 'candles', symbol: 'BTC-USD' }, ['channel']],
    [{ op: 'subscribe', channel: 'Trades', symbol: 'BTC-USD' }, ['channel']],
    [{ op: 'subscribe', symbol: 'BTC-USD' }, ['channel']],
    [{ op: 'subscribe', channel: 'trades' }, ['symbol']],
    [{ op: 'subscribe', channel: 'trades', symbol: 'btc-usd' }, ['symbol']],
    [{ op: 'subscribe', channel: 'trades', symbol: '>' }, ['symbol']],
    [{ op: 'subscribe', channel: 'trades', symbol: 'BTC.USD' }, ['symbol']],
    [{ op: 'subscribe', channel: 'trades', symbol: ['BTC-USD'] }, ['symbol']],
    [{ op: 'subscribe', channel: 'trades', symbol: 5 }, ['symbol']],
    [{ op: 'subscribe', channel: 'trades', symbol: 'BTC-USD', id: 1.5 }, ['id']],
    [{ op: 'subscribe', channel: 'trades', symbol: 'BTC-USD', id: null }, ['id']],
    [{ op: 'subscribe', channel: 'trades', symbol: 'BTC-USD', id: { n: 1 } }, ['id']],
    [{ op: 'subscribe', channel: 'trades', symbol: 'BTC-USD', id: 'x'.repeat(65) }, ['id']],
    [{ op: 'subscribe', channel: 'trades', symbol: 'BTC-USD', id: 2 ** 53 }, ['id']],
    [{ op: 'subscribe', channel: 'trades', symbol: 'BTC-USD', depth: 5 }, ['depth']],
    [{ op: 'subscribe', channel: 'x', symbol: 'y', id: true, extra: 1 }, ['channel', 'symbol', 'id', 'extra']],
    [{ op: 'auth' }, ['token']],
    [{ op: 'auth', token: 42 }, ['token']],
    [{ op: 'auth', token: 'x'.repeat(8193) }, ['token']],
    [{ op: 'auth', token: 't', userId: 'alice' }, ['userId']],
    [{ op: 'ping', id: null }, ['id']],
    [{ op: 'ping', ts: 1 }, ['ts']],
  ])('refuses %p naming %p', (raw, fields) => {
    expect(Object.keys(details(raw)).sort()).toEqual([...fields].sort());
  });

  it('gives type errors before length errors for tokens', () => {
    expect(details({ op: 'auth', token: 42 }).token).toBe('token must be a string');
    expect(details({ op: 'auth', token: 'x'.repeat(8193) }).token).toBe('token must be at most 8192 characters');
  });

  it.each([[{}], [{ op: 'SUBSCRIBE' }], [{ op: 'unknown' }], [{ op: null }], [{ op: ['ping'] }]])('refuses unknown op %p', (raw) => {
    expect(details(raw)).toEqual({ op: 'op must be one of subscribe, unsubscribe, auth, ping' });
  });

  it.each([null, [], 'ping', 1, undefined])('refuses non-object frame %p', (raw) => {
    expect(details(raw)).toEqual({ body: 'must be a JSON object' });
  });

  it('names __proto__ and constructor keys from JSON.parse', () => {
    expect(Object.keys(details(JSON.parse('{"op":"ping","__proto__":{"id":1}}')))).toEqual(['__proto__']);
    expect(Object.keys(details(JSON.parse('{"op":"ping","constructor":1}')))).toEqual(['constructor']);
  });

  it('the DTO classes validate on their own too', () => {
    expect(validateDto(SubscriptionOpDto, { op: 'subscribe', channel: 'book', symbol: 'BTC-USD' }).ok).toBe(true);
    expect(validateDto(SubscriptionOpDto, { op: 'ping' }).ok).toBe(false);
    expect(validateDto(AuthOpDto, { op: 'auth', token: 't' }).ok).toBe(true);
    expect(validateDto(PingOpDto, { op: 'auth' }).ok).toBe(false);
  });
});
