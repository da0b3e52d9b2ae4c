import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { compareDecimal, isZeroDecimal, LocalOrderBook, ProtocolError } from '@trading/client';

describe('compareDecimal', () => {
  const scaled = (s: string, d: number) => {
    const [i, f = ''] = s.split('.');
    return BigInt(i + f.padEnd(d, '0'));
  };
  it('orders decimal strings exactly like BigInt-scaled values', () => {
    const decimal = fc
      .tuple(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.integer({ min: 0, max: 8 }))
      .map(([units, d]) => {
        const digits = units.toString().padStart(d + 1, '0');
        return d === 0 ? digits : `${digits.slice(0, -d)}.${digits.slice(-d)}`;
      });
    fc.assert(
      fc.property(decimal, decimal, (a, b) => {
        const d = 9;
        const expected = scaled(a, d) === scaled(b, d) ? 0 : scaled(a, d) < scaled(b, d) ? -1 : 1;
        expect(Math.sign(compareDecimal(a, b))).toBe(expected);
      }),
    );
  });
  it('treats trailing zeros as the same value and knows zero quantities', () => {
    expect(compareDecimal('1.50', '1.5')).toBe(0);
    expect(compareDecimal('9.99', '10.00')).toBeLessThan(0);
    expect(compareDecimal('100000000000000000001', '100000000000000000000')).toBeGreaterThan(0);
    expect(isZeroDecimal('0.0000')).toBe(true);
    expect(isZeroDecimal('0')).toBe(true);
    expect(isZeroDecimal('0.0001')).toBe(false);
  });
});

describe('LocalOrderBook', () => {
  function synced(): LocalOrderBook {
    const book = new LocalOrderBook('BTC-USD');
    book.applySnapshot({ seq: 10, bids: [['100.00', '1.0000'], ['99.50', '2.0000']], asks: [['101.00', '1.5000'], ['102.00', '3.0000']] });
    return book;
  }

  it('ignores deltas until the first snapshot', () => {
    const book = new LocalOrderBook('BTC-USD');
    expect(book.status).toBe('awaiting-snapshot');
    expect(book.applyUpdate({ seq: 1, bids: [['1.00', '1.0000']], asks: [] })).toBe('not-synced');
    expect(book.bids()).toEqual([]);
  });

  it('applies a snapshot then contiguous deltas, sorted best first, zero removing a level', () => {
    const book = synced();
    expect(book.bestBid()).toEqual(['100.00', '1.0000']);
    expect(book.bestAsk()).toEqual(['101.00', '1.5000']);
    expect(book.applyUpdate({ seq: 11, bids: [['100.50', '0.5000'], ['99.50', '0.0000']], asks: [['101.00', '0.0000']] })).toBe('applied');
    expect(book.applyUpdate({ seq: 12, bids: [['9.00', '1.0000']], asks: [['1000.00', '1.0000']] })).toBe('applied');
    expect(book.seq).toBe(12);
    expect(book.bids()).toEqual([['100.50', '0.5000'], ['100.00', '1.0000'], ['9.00', '1.0000']]);
    expect(book.asks()).toEqual([['102.00', '3.0000'], ['1000.00', '1.0000']]);
    expect(book.asks(1)).toEqual([['102.00', '3.0000']]);
    expect(book.quantityAt('buy', '100.00')).toBe('1.0000');
    expect(book.toSnapshot()).toEqual({ symbol: 'BTC-USD', seq: 12, bids: book.bids(), asks: book.asks() });
  });

  it('drops duplicates and stops on a gap until a fresh snapshot', () => {
    const book = synced();
    const gaps: unknown[] = [];
    book.on('gap', (g) => gaps.push(g));
    expect(book.applyUpdate({ seq: 10, bids: [['1.00', '1.0000']], asks: [] })).toBe('duplicate');
    expect(book.applyUpdate({ seq: 12, bids: [['1.00', '1.0000']], asks: [] })).toBe('gap');
    expect(gaps).toEqual([{ symbol: 'BTC-USD', expected: 11, received: 12 }]);
    expect(book.status).toBe('resyncing');
    expect(book.applyUpdate({ seq: 13, bids: [['2.00', '1.0000']], asks: [] })).toBe('not-synced');
    expect(book.quantityAt('buy', '1.00')).toBeUndefined();
    book.applySnapshot({ seq: 20, bids: [['5.00', '1.0000']], asks: [] });
    expect(book.status).toBe('synced');
    expect(book.applyUpdate({ seq: 21, bids: [['6.00', '1.0000']], asks: [] })).toBe('applied');
    expect(book.bids()).toEqual([['6.00', '1.0000'], ['5.00', '1.0000']]);
  });

  it('refuses malformed levels with a typed error without half-applying', () => {
    const book = synced();
    const before = book.toSnapshot();
    expect(() => book.applyUpdate({ seq: 11, bids: [['100.00', '9.0000']], asks: [[101 as unknown as string, '1.0000']] })).toThrow(ProtocolError);
    expect(book.toSnapshot()).toEqual(before);
    expect(() => book.applySnapshot({ seq: -1, bids: [], asks: [] })).toThrow(ProtocolError);
  });

  it('matches a reference model under random contiguous deltas', () => {
    const level = fc.tuple(fc.integer({ min: 1, max: 30 }).map((n) => `${n}.00`), fc.integer({ min: 0, max: 3 }).map((q) => `${q}.0000`));
    fc.assert(
      fc.property(fc.array(fc.record({ bids: fc.array(level, { maxLength: 4 }), asks: fc.array(level, { maxLength: 4 }) }), { maxLength: 30 }), (deltas) => {
        const book = new LocalOrderBook('X-Y');
        book.applySnapshot({ seq: 0, bids: [], asks: [] });
        const model = { bids: new Map<string, string>(), asks: new Map<string, string>() };
        deltas.forEach((d, i) => {
          book.applyUpdate({ seq: i + 1, bids: d.bids, asks: d.asks });
          for (const side of ['bids', 'asks'] as const) for (const [p, q] of d[side]) (q === '0.0000' ? model[side].delete(p) : model[side].set(p, q));
        });
        const sorted = (m: Map<string, string>, dir: number) => [...m.entries()].sort((a, b) => dir * (parseFloat(a[0]) - parseFloat(b[0])));
        expect(book.bids()).toEqual(sorted(model.bids, -1));
        expect(book.asks()).toEqual(sorted(model.asks, 1));
      }),
      { numRuns: 50 },
    );
  });
});
