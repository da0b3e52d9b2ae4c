import { createHash } from 'node:crypto';
import type { TradingCommand } from '@trading/contracts';
import { createSymbolEngine } from '../src/index.js';
import { BTC } from './harness.js';

/**
 * A seeded random command stream touching every path of `apply` (limit/market, GTC/IOC/FOK,
 * post-only, every stp mode, cancels by both ids, idempotent retries, duplicates, symbol-rule and
 * shape refusals), and the exact bytes it produces. Recorded once before the performance work on
 * the engine, so any change of output is caught.
 */
export const GOLDEN_SEED = 20261125;
export const GOLDEN_COMMANDS = 5000;

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

export function goldenCommands(count = GOLDEN_COMMANDS, seed = GOLDEN_SEED): unknown[] {
  const random = rng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const users = ['u1', 'u2', 'u3', 'u4', 'alice', 'bob_7'];
  const stps = [undefined, 'none', 'expire_taker', 'expire_maker', 'expire_both'] as const;
  const out: unknown[] = [];
  const places: Record<string, unknown>[] = [];
  let nextClientId = 0;
  const clientId = () => (random() < 0.15 && nextClientId > 0 ? `c${int(nextClientId)}` : `c${nextClientId++}`);
  for (let i = 0; i < count; i++) {
    const r = random();
    const userId = pick(users);
    const side = random() < 0.5 ? 'buy' : 'sell';
    const qty = (1 + int(40)) * (random() < 0.5 ? 2500 : 1000);
    const quantity = (qty / 10000).toFixed(random() < 0.9 ? 4 : 2 + int(2));
    const price = ((9500 + int(1100)) / 100).toFixed(random() < 0.9 ? 2 : 1);
    let c: Record<string, unknown>;
    if (r < 0.06 && places.length > 0) {
      // An idempotent retry: the same command again (sometimes long after), or spelled differently.
      const prior = places[places.length - 1 - int(Math.min(places.length, random() < 0.7 ? 5 : 2000))];
      c = { ...prior };
      if (typeof c.price === 'string' && random() < 0.3) c.price = `${c.price}0`;
    } else if (r < 0.55) {
      c = { type: 'place', userId, clientOrderId: clientId(), side, orderType: 'limit', price, quantity };
      const tif = pick([undefined, undefined, 'GTC', 'IOC', 'FOK'] as const);
      if (tif !== undefined) c.timeInForce = tif;
      if (random() < 0.1) c.postOnly = random() < 0.7;
      const stp = pick(stps);
      if (stp !== undefined) c.stp = stp;
    } else if (r < 0.65) {
      c = { type: 'place', userId, clientOrderId: clientId(), side, orderType: 'market', quantity };
      const tif = pick([undefined, 'IOC', 'FOK', 'GTC'] as const);
      if (tif !== undefined) c.timeInForce = tif;
      const stp = pick(stps);
      if (stp !== undefined) c.stp = stp;
    } else if (r < 0.8) {
      c = { type: 'cancel', userId, orderId: `BTC-USD-${1 + int(Math.max(1, i))}` };
    } else if (r < 0.92) {
      c = { type: 'cancel', userId, clientOrderId: `c${int(nextClientId + 1)}` };
    } else if (r < 0.97) {
      // Symbol-rule refusals: off-tick price, off-lot quantity, zero, too many decimals.
      c = { type: 'place', userId, clientOrderId: clientId(), side, orderType: 'limit', price: pick(['100.005', '0', '100.00', '0.01']), quantity: pick(['0.00001', '0', '1.2345', '0.0001']) };
    } else {
      // Shape refusals (the slow validation path).
      c = pick<Record<string, unknown>>([
        { type: 'place', userId, clientOrderId: 'x', side: 'up', orderType: 'limit', price: '1', quantity: '1' },
        { type: 'cancel', userId },
        { type: 'bogus' },
        { type: 'place', userId: 'bad user', clientOrderId: 'c', side, orderType: 'market', quantity: '1', price: '1' },
      ]);
    }
    if (c.type === 'place' && r >= 0.06) places.push(c);
    out.push(c);
  }
  return out;
}

/** Every output byte of the stream, one line per item, plus the exported state at the end. */
export function goldenLines(commands: readonly unknown[]): string[] {
  const engine = createSymbolEngine(BTC, undefined, { idempotencyWindow: 300 });
  const lines: string[] = [];
  commands.forEach((c, i) => {
    const r = engine.apply(c as TradingCommand, 1_700_000_000_000 + i * 7);
    lines.push(`${i} ${String(r.changedState)} ${r.replyJson}`);
    lines.push(`${i} reply-object ${JSON.stringify(r.reply)}`);
    for (const e of r.events) lines.push(`${i} ${e.subject} ${e.payload}`);
    if (i % 500 === 499) lines.push(`${i} snapshot ${JSON.stringify(engine.snapshot())} ${JSON.stringify(engine.stats)}`);
  });
  lines.push(`state ${JSON.stringify(engine.exportState())}`);
  return lines;
}

export const sha256 = (lines: readonly string[]): string => createHash('sha256').update(lines.join('\n')).digest('hex');
