import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MAX_RESUME_POINTS, parseClientOp } from './client-op-parser.js';

describe('parseClientOp', () => {
  it('accepts every op of the contract', () => {
    expect(parseClientOp('{"op":"subscribe","channel":"book","symbol":"BTC-USD","id":1}')).toEqual({ ok: true, op: { op: 'subscribe', channel: 'book', symbol: 'BTC-USD', id: 1 } });
    expect(parseClientOp('{"op":"unsubscribe","channel":"trades","symbol":"*"}')).toEqual({ ok: true, op: { op: 'unsubscribe', channel: 'trades', symbol: '*', id: undefined } });
    expect(parseClientOp('{"op":"auth","token":"abc","id":"a"}')).toEqual({ ok: true, op: { op: 'auth', token: 'abc', id: 'a' } });
    expect(parseClientOp('{"op":"ping"}')).toEqual({ ok: true, op: { op: 'ping', id: undefined } });
  });

  it.each([
    ['', undefined],
    ['null', undefined],
    ['"ping"', undefined],
    ['{"op":"subscribe","channel":"book","symbol":"*","id":2}', 2],
    ['{"op":"subscribe","channel":"orders","symbol":"BTC_USD","id":3}', 3],
    ['{"op":"subscribe","channel":"x","symbol":"BTC-USD","id":4}', 4],
    ['{"op":"auth","id":5}', 5],
    ['{"op":"ping","id":1.5}', undefined],
    ['{"op":"PING","id":6}', 6],
  ])('refuses %s keeping id %j', (text, id) => {
    const result = parseClientOp(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.id).toBe(id);
      expect(result.message.length).toBeGreaterThan(0);
    }
  });

  it('accepts resume points: fromSeq for one symbol, fromSeqs for "*" (issue 7)', () => {
    expect(parseClientOp('{"op":"subscribe","channel":"orders","symbol":"BTC-USD","fromSeq":0,"id":1}')).toEqual({ ok: true, op: { op: 'subscribe', channel: 'orders', symbol: 'BTC-USD', id: 1, fromSeq: 0 } });
    expect(parseClientOp('{"op":"subscribe","channel":"trades","symbol":"*","fromSeqs":{"BTC-USD":12,"ETH-USD":4}}')).toEqual({
      ok: true,
      op: { op: 'subscribe', channel: 'trades', symbol: '*', id: undefined, fromSeqs: { 'BTC-USD': 12, 'ETH-USD': 4 } },
    });
    // unsubscribe ignores resume fields rather than refusing a harmless extra
    expect(parseClientOp('{"op":"unsubscribe","channel":"trades","symbol":"*","fromSeq":"x"}').ok).toBe(true);
  });

  it.each([
    '{"op":"subscribe","channel":"trades","symbol":"*","fromSeq":1}',
    '{"op":"subscribe","channel":"trades","symbol":"BTC-USD","fromSeqs":{"BTC-USD":1}}',
    '{"op":"subscribe","channel":"trades","symbol":"BTC-USD","fromSeq":1.5}',
    '{"op":"subscribe","channel":"trades","symbol":"BTC-USD","fromSeq":"1"}',
    '{"op":"subscribe","channel":"trades","symbol":"BTC-USD","fromSeq":1,"fromSeqs":{}}',
    '{"op":"subscribe","channel":"orders","symbol":"*","fromSeqs":{"BTC-USD":-1}}',
    '{"op":"subscribe","channel":"orders","symbol":"*","fromSeqs":null}',
  ])('refuses the resume fields of %s', (text) => {
    const result = parseClientOp(text);
    expect(result.ok).toBe(false);
  });

  it('refuses more than MAX_RESUME_POINTS symbols in fromSeqs', () => {
    const fromSeqs = Object.fromEntries(Array.from({ length: MAX_RESUME_POINTS + 1 }, (_, i) => [`S${i}-USD`, 1]));
    expect(parseClientOp(JSON.stringify({ op: 'subscribe', channel: 'trades', symbol: '*', fromSeqs })).ok).toBe(false);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), (text) => void parseClientOp(text)));
  });
});
