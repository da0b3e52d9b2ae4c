import { describe, expect, it } from '@jest/globals';
import { createSymbolSpec, priceToTicks } from '@trading/contracts';
import { MidPrice } from './mid-price.js';
import { OpenOrders } from './open-orders.js';
import { randomInt, seededRandom } from './random.js';

describe('MidPrice', () => {
  it('starts BTC-USD at 50000.00 and quotes only prices on the tick', () => {
    const spec = createSymbolSpec('BTC-USD', '0.05', '0.0001');
    const mid = new MidPrice(spec);
    expect(mid.priceAt(0)).toBe('50000.00');
    const random = seededRandom(7);
    for (let i = 0; i < 2000; i++) {
      mid.drift(random);
      const price = mid.priceAt(randomInt(random, -20, 20));
      expect(price).toMatch(/^\d+\.\d{2}$/);
      expect(() => priceToTicks(spec, price)).not.toThrow();
    }
  });

  it('never drifts to zero or quotes a non-positive price', () => {
    const mid = new MidPrice(createSymbolSpec('X-Y', '1', '1'), '3');
    const alwaysDown = () => 0;
    for (let i = 0; i < 1000; i++) mid.drift(alwaysDown);
    expect(mid.currentTicks).toBeGreaterThan(0);
    expect(Number(mid.priceAt(-50))).toBeGreaterThan(0);
  });

  it('is reproducible from a seed', () => {
    const run = (seed: number) => {
      const mid = new MidPrice(createSymbolSpec('ETH-USD'));
      const random = seededRandom(seed);
      for (let i = 0; i < 100; i++) mid.drift(random);
      return mid.priceAt(0);
    };
    expect(run(1)).toBe(run(1));
    expect(new Set([run(1), run(2), run(3), run(4)]).size).toBeGreaterThan(1);
  });
});

describe('OpenOrders', () => {
  it('keeps orders per user and symbol, oldest first, without duplicates', () => {
    const open = new OpenOrders();
    open.add('u1', 'BTC-USD', 'BTC-USD-1');
    open.add('u1', 'BTC-USD', 'BTC-USD-2');
    open.add('u1', 'BTC-USD', 'BTC-USD-1');
    open.add('u2', 'BTC-USD', 'BTC-USD-3');
    expect(open.list('u1', 'BTC-USD')).toEqual(['BTC-USD-1', 'BTC-USD-2']);
    expect(open.list('u1', 'ETH-USD')).toEqual([]);
    expect(open.total).toBe(3);
    open.remove('u1', 'BTC-USD', 'BTC-USD-1');
    open.remove('u1', 'BTC-USD', 'nope');
    open.remove('u9', 'BTC-USD', 'BTC-USD-3');
    expect(open.list('u1', 'BTC-USD')).toEqual(['BTC-USD-2']);
    expect(open.total).toBe(2);
  });
});
