import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_LOT,
  DEFAULT_TICK,
  DecimalError,
  SymbolConfigError,
  createSymbolSpec,
  lotsToQuantity,
  parseSymbolsList,
  priceToTicks,
  quantityToLots,
  ticksToPrice,
} from '../src/index.js';

function configError(fn: () => unknown): SymbolConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SymbolConfigError);
    expect((err as SymbolConfigError).code).toBe('INVALID_SYMBOL_CONFIG');
    return err as SymbolConfigError;
  }
  throw new Error('expected a SymbolConfigError');
}

describe('parseSymbolsList (SYMBOLS env, contract 6)', () => {
  it('parses the contract example BTC-USD:0.01:0.0001,ETH-USD', () => {
    const [btc, eth] = parseSymbolsList('BTC-USD:0.01:0.0001,ETH-USD');
    expect(btc).toEqual({
      symbol: 'BTC-USD',
      tick: { text: '0.01', decimals: 2, units: 1 },
      lot: { text: '0.0001', decimals: 4, units: 1 },
      minLots: 1,
    });
    expect(eth.symbol).toBe('ETH-USD');
    expect(eth.tick.text).toBe('0.01');
    expect(eth.lot.text).toBe('0.0001');
    expect(eth.minLots).toBe(1);
  });

  it('defaults are tick 0.01, lot 0.0001, minimum one lot (contract 1)', () => {
    expect(DEFAULT_TICK).toBe('0.01');
    expect(DEFAULT_LOT).toBe('0.0001');
    const [spec] = parseSymbolsList('SOL-USD');
    expect(spec.tick).toEqual({ text: '0.01', decimals: 2, units: 1 });
    expect(spec.lot).toEqual({ text: '0.0001', decimals: 4, units: 1 });
    expect(spec.minLots).toBe(1);
  });

  it('takes a tick alone, keeping the default lot', () => {
    const [spec] = parseSymbolsList('DOGE-USD:0.00001');
    expect(spec.tick).toEqual({ text: '0.00001', decimals: 5, units: 1 });
    expect(spec.lot.text).toBe('0.0001');
  });

  it('takes the optional fourth part as a minimum quantity in lots', () => {
    const [spec] = parseSymbolsList('BTC-USD:0.5:0.001:0.010');
    expect(spec.tick).toEqual({ text: '0.5', decimals: 1, units: 5 });
    expect(spec.minLots).toBe(10);
  });

  it('tolerates blanks around entries and keeps their order', () => {
    expect(parseSymbolsList(' B-C , A-B:1 ').map((s) => s.symbol)).toEqual(['B-C', 'A-B']);
  });

  it.each([undefined, '', '   '])('refuses an empty list %p', (text) => {
    expect(configError(() => parseSymbolsList(text)).message).toMatch(/SYMBOLS is empty/);
  });

  it.each([
    ['BTC-USD,,ETH-USD', /empty entry/],
    ['BTC-USD,', /empty entry/],
    ['BTC-USD,ETH-USD,BTC-USD', /BTC-USD twice/],
    ['btc-usd', /btc-usd.*must match/],
    ['BTC.USD', /BTC\.USD.*must match/],
    ['*', /must match/],
    ['BTC-USD:0', /BTC-USD: tick "0".*greater than zero/],
    ['BTC-USD:-0.01', /BTC-USD: tick "-0.01"/],
    ['BTC-USD:1e-2', /BTC-USD: tick "1e-2"/],
    ['BTC-USD:abc', /BTC-USD: tick "abc"/],
    ['BTC-USD:0.01:0', /BTC-USD: lot "0"/],
    ['BTC-USD:0.01:0.0001:0', /at least one lot/],
    ['BTC-USD:0.01:0.002:0.003', /minimum quantity "0.003".*multiple/],
    ['BTC-USD:0.01:0.001:0.0015', /minimum quantity "0.0015".*more than 3 decimals/],
    ['BTC-USD:0.01:0.0001:0.1:9', /too many ':' parts/],
    ['BTC-USD:', /empty part/],
    ['BTC-USD::0.001', /empty part/],
    [':0.01', /empty part/],
    ['BTC-USD:0.0000000000000001', /BTC-USD: tick/],
  ])('refuses %p with a clear message', (text, message) => {
    expect(configError(() => parseSymbolsList(text)).message).toMatch(message);
  });
});

describe('createSymbolSpec and conversions', () => {
  const spec = createSymbolSpec('BTC-USD', '0.01', '0.0001');
  const coarse = createSymbolSpec('ETH-USD', '0.05', '0.01', '0.10');

  it('converts prices and quantities to integers and back with exactly the step decimals', () => {
    expect(priceToTicks(spec, '50000.00')).toBe(5_000_000);
    expect(priceToTicks(spec, '50000')).toBe(5_000_000);
    expect(ticksToPrice(spec, 5_000_000)).toBe('50000.00');
    expect(quantityToLots(spec, '1.5')).toBe(15_000);
    expect(lotsToQuantity(spec, 15_000)).toBe('1.5000');
    expect(lotsToQuantity(spec, 0)).toBe('0.0000');
    expect(priceToTicks(coarse, '100.05')).toBe(2001);
    expect(ticksToPrice(coarse, 2001)).toBe('100.05');
    expect(coarse.minLots).toBe(10);
  });

  it('refuses off-tick, off-lot, over-precise and non-string values with DecimalError', () => {
    expect(() => priceToTicks(coarse, '100.03')).toThrow(DecimalError);
    expect(() => priceToTicks(spec, '1.001')).toThrow(DecimalError);
    expect(() => quantityToLots(spec, 1)).toThrow(DecimalError);
    expect(() => quantityToLots(spec, '-1')).toThrow(DecimalError);
  });

  it('refuses a bad symbol with SymbolConfigError', () => {
    configError(() => createSymbolSpec('BTCUSD'));
  });

  it('uses the defaults when sizes are omitted', () => {
    const plain = createSymbolSpec('XRP-EUR');
    expect(plain.tick.text).toBe('0.01');
    expect(plain.lot.text).toBe('0.0001');
    expect(plain.minLots).toBe(1);
  });
});
