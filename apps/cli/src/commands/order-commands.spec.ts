import { describe, expect, it } from '@jest/globals';
import { parseCancelArgs, parsePlaceArgs, parseSnapshotArgs } from './order-commands.js';
import { parseTailArgs, tailSubject } from './tail.js';
import { parseSimulateArgs } from './simulate.js';
import { UsageError } from '../errors.js';

const base = ['--user', 'alice', '--symbol', 'BTC-USD', '--side', 'buy'];

describe('place arguments', () => {
  it('builds the contract place command from flags', () => {
    const { symbol, command } = parsePlaceArgs([...base, '--price', '50000.00', '--qty', '0.1000', '--tif', 'IOC', '--post-only', '--client-order-id', 'c-1', '--stp', 'none']);
    expect(symbol).toBe('BTC-USD');
    expect(command).toEqual({
      type: 'place',
      userId: 'alice',
      clientOrderId: 'c-1',
      side: 'buy',
      orderType: 'limit',
      price: '50000.00',
      quantity: '0.1000',
      timeInForce: 'IOC',
      postOnly: true,
      stp: 'none',
    });
  });

  it('defaults to a limit order with a generated, valid clientOrderId and omits unset optional fields', () => {
    const a = parsePlaceArgs([...base, '--price', '1.00', '--qty', '0.1']).command;
    const b = parsePlaceArgs([...base, '--price', '1.00', '--qty', '0.1']).command;
    expect(a).toMatchObject({ orderType: 'limit' });
    expect(Object.keys(a).sort()).toEqual(['clientOrderId', 'orderType', 'price', 'quantity', 'side', 'type', 'userId']);
    expect(a.type === 'place' && a.clientOrderId).toMatch(/^[A-Za-z0-9_.:-]{1,64}$/);
    expect(a.type === 'place' && b.type === 'place' && a.clientOrderId !== b.clientOrderId).toBe(true);
  });

  it('builds a market order without a price', () => {
    expect(parsePlaceArgs([...base, '--type', 'market', '--qty', '0.5']).command).not.toHaveProperty('price');
  });

  it.each([
    [['--price', '1.00', '--qty', '0.1', '--side', 'hold'], /--side/],
    [['--qty', '0.1'], /--price is required/],
    [['--price', '-1', '--qty', '0.1'], /--price/],
    [['--price', '1e3', '--qty', '0.1'], /--price/],
    [['--price', '1.00'], /--qty is required/],
    [['--price', '1.00', '--qty', '0.1', '--tif', 'DAY'], /--tif/],
    [['--price', '1.00', '--qty', '0.1', '--stp', 'maybe'], /--stp/],
    [['--type', 'market', '--price', '1.00', '--qty', '0.1'], /--price: price must be absent/],
    [['--price', '1.00', '--qty', '0.1', '--client-order-id', 'has space'], /--client-order-id/],
    [['--price', '1.00', '--qty', '0.1', '--post-only=yes'], /flag and takes no value/],
    [['--price', '1.00', '--qty', '0.1', '--bogus', '1'], /unknown option --bogus/],
    [['--price', '1.00', '--qty', '0.1', 'stray'], /unexpected argument "stray"/],
  ])('refuses %j with a usage error naming the flag', (extra, message) => {
    const args = [...base.filter((_, i) => !(extra.includes('--side') && (i === 4 || i === 5))), ...extra];
    expect(() => parsePlaceArgs(args)).toThrow(UsageError);
    expect(() => parsePlaceArgs(args)).toThrow(message);
  });

  it('refuses a missing or malformed symbol and user', () => {
    expect(() => parsePlaceArgs(['--user', 'u', '--side', 'buy', '--price', '1', '--qty', '1'])).toThrow(/--symbol is required/);
    expect(() => parsePlaceArgs(['--user', 'u', '--symbol', 'btc-usd', '--side', 'buy', '--price', '1', '--qty', '1'])).toThrow(/--symbol "btc-usd"/);
    expect(() => parsePlaceArgs(['--user', 'a.b', '--symbol', 'BTC-USD', '--side', 'buy', '--price', '1', '--qty', '1'])).toThrow(/--user/);
  });
});

describe('cancel arguments', () => {
  it('cancels by order id or by client order id', () => {
    expect(parseCancelArgs(['--user', 'u', '--symbol', 'ETH-USD', '--order-id', 'ETH-USD-42'])).toEqual({
      symbol: 'ETH-USD',
      command: { type: 'cancel', userId: 'u', orderId: 'ETH-USD-42' },
    });
    expect(parseCancelArgs(['--user', 'u', '--symbol', 'ETH-USD', '--client-order-id', 'c1']).command).toEqual({ type: 'cancel', userId: 'u', clientOrderId: 'c1' });
  });

  it('needs exactly one of --order-id and --client-order-id, and a well-formed order id', () => {
    expect(() => parseCancelArgs(['--user', 'u', '--symbol', 'ETH-USD'])).toThrow(/exactly one/);
    expect(() => parseCancelArgs(['--user', 'u', '--symbol', 'ETH-USD', '--order-id', 'ETH-USD-1', '--client-order-id', 'c'])).toThrow(/exactly one/);
    expect(() => parseCancelArgs(['--user', 'u', '--symbol', 'ETH-USD', '--order-id', '42'])).toThrow(/--order-id/);
  });
});

describe('snapshot, tail and simulate arguments', () => {
  it('snapshot sends {} or {"depth":N}', () => {
    expect(parseSnapshotArgs(['--symbol', 'BTC-USD'])).toEqual({ symbol: 'BTC-USD', body: {} });
    expect(parseSnapshotArgs(['--symbol', 'BTC-USD', '--depth', '5'])).toEqual({ symbol: 'BTC-USD', body: { depth: 5 } });
    expect(() => parseSnapshotArgs(['--symbol', 'BTC-USD', '--depth', '0'])).toThrow(/between 1 and/);
    expect(() => parseSnapshotArgs(['--symbol', 'BTC-USD', '--depth', '5x'])).toThrow(/whole number/);
  });

  it('tail maps streams and filters to contract subjects', () => {
    expect(tailSubject('orders')).toBe('trading.order.*.*');
    expect(tailSubject('orders', 'BTC-USD', 'alice')).toBe('trading.order.alice.BTC-USD');
    expect(tailSubject('orders', undefined, 'alice')).toBe('trading.order.alice.*');
    expect(tailSubject('trades')).toBe('trading.trade.*');
    expect(tailSubject('book', 'ETH-USD')).toBe('trading.book.ETH-USD');
    expect(() => tailSubject('trades', undefined, 'alice')).toThrow(/only applies to the orders stream/);
    expect(() => tailSubject('book', 'BTC.USD')).toThrow(UsageError);
    expect(() => tailSubject('orders', undefined, 'a>')).toThrow(UsageError);
  });

  it('tail reads the server from --nats, then NATS_URL, then the default', () => {
    expect(parseTailArgs(['trades'], {}).servers).toEqual(['nats://127.0.0.1:4222']);
    expect(parseTailArgs(['trades'], { NATS_URL: 'nats://a:1,nats://b:2' }).servers).toEqual(['nats://a:1', 'nats://b:2']);
    expect(parseTailArgs(['trades', '--nats', 'nats://c:3'], { NATS_URL: 'nats://a:1' }).servers).toEqual(['nats://c:3']);
    expect(() => parseTailArgs(['quotes'], {})).toThrow(/tail needs a stream/);
    expect(() => parseTailArgs([], {})).toThrow(/tail needs a stream/);
  });

  it('simulate has bounded defaults and validates its symbols and rate', () => {
    const s = parseSimulateArgs([], {});
    expect(s.symbols.map((x) => x.symbol)).toEqual(['BTC-USD', 'ETH-USD']);
    expect(s.ratePerSecond).toBe(30);
    expect(s.users).toEqual(['sim-1', 'sim-2', 'sim-3', 'sim-4']);
    expect(parseSimulateArgs([], { SIMULATOR_RATE: '7' }).ratePerSecond).toBe(7);
    expect(parseSimulateArgs(['--rate', '9'], { SIMULATOR_RATE: '7' }).ratePerSecond).toBe(9);
    expect(() => parseSimulateArgs(['--rate', '100000'], {})).toThrow(/between 1 and 500/);
    expect(() => parseSimulateArgs(['--symbols', 'BTC-USD:0'], {})).toThrow(/--symbols/);
  });
});
