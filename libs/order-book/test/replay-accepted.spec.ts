import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { TradingCommand } from '@trading/contracts';
import { createSymbolEngine, type SymbolEngine } from '../src/index.js';
import { goldenCommands } from './golden-stream.js';
import { BTC } from './harness.js';
import { bytes, command, probes, state } from './replay-commands.js';

/**
 * `replay(command, ts, validated, accepted = true)` is recovery's path for journal entries: the
 * journal holds only the commands that changed state, in order, so a replayed place is never an
 * idempotent repeat and the core skips that lookup; the keys of orders that finish meanwhile are
 * indexed lazily (at the first lookup, or `finishReplay`). Replaying the accepted commands so must
 * leave exactly the state `apply` of the whole stream leaves (exportState), and every later
 * command, idempotent retries and duplicates of replayed keys included, must give the same bytes.
 */

/**
 * `reference` applies every command; `replayed` gets only the accepted ones (the journal), the
 * first `cut` of them through `replay(..., accepted = true)` and the rest through `apply`.
 */
function journalReplay(commands: readonly TradingCommand[], cut: number, window: number | undefined, finish: boolean): { reference: SymbolEngine; replayed: SymbolEngine } {
  const options = window === undefined ? undefined : { idempotencyWindow: window };
  const reference = createSymbolEngine(BTC, undefined, options);
  const replayed = createSymbolEngine(BTC, undefined, options);
  let journaled = 0;
  commands.forEach((c, i) => {
    const ts = 1_700_000_000_000 + i * 3;
    const expected = reference.apply(c, ts);
    if (!expected.changedState) return; // never journaled
    if (journaled++ < cut) {
      expect(replayed.replay(c, ts, journaled % 2 === 0, true)).toBe(true);
    } else {
      if (journaled === cut + 1 && finish) replayed.finishReplay();
      expect(bytes(replayed.apply(c, ts))).toEqual(bytes(expected));
    }
  });
  if (finish) replayed.finishReplay();
  expect(state(replayed)).toBe(state(reference));
  return { reference, replayed };
}

describe('SymbolEngine.replay of accepted (journaled) commands', () => {
  it('leaves the state of apply, and later commands (retries included) give the same bytes', () => {
    fc.assert(
      fc.property(
        fc.array(command, { minLength: 1, maxLength: 80 }),
        fc.nat({ max: 80 }),
        fc.constantFrom(undefined, 0, 1, 3, 10),
        fc.boolean(),
        (commands, cut, window, finish) => {
          const { reference, replayed } = journalReplay(commands, cut, window, finish);
          let ts = 1_800_000_000_000;
          for (const c of probes(commands)) {
            ts += 5;
            expect(bytes(replayed.apply(c, ts))).toEqual(bytes(reference.apply(c, ts)));
          }
          expect(state(replayed)).toBe(state(reference));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the golden stream: journal replayed with a small window (evicting before and after indexing), then retries', () => {
    const commands = goldenCommands() as TradingCommand[];
    for (const [window, finish] of [
      [300, true],
      [300, false],
      [undefined, true],
    ] as const) {
      const { reference, replayed } = journalReplay(commands, 2500, window, finish);
      let ts = 1_800_000_000_000;
      for (const c of probes(commands.slice(-600))) {
        ts += 1;
        expect(bytes(replayed.apply(c, ts))).toEqual(bytes(reference.apply(c, ts)));
      }
      expect(state(replayed)).toBe(state(reference));
      expect(replayed.snapshot()).toEqual(reference.snapshot());
    }
  });

  it('a retry right after the replay, before finishReplay, finds a finished order (lazy index)', () => {
    const engine = createSymbolEngine(BTC);
    const reference = createSymbolEngine(BTC);
    const ioc = { type: 'place', userId: 'u1', clientOrderId: 'x', side: 'buy', orderType: 'limit', price: '100.00', quantity: '1.0000', timeInForce: 'IOC' } as TradingCommand;
    const rest = { type: 'place', userId: 'u2', clientOrderId: 'x', side: 'sell', orderType: 'limit', price: '100.00', quantity: '0.5000' } as TradingCommand;
    for (const [i, c] of [rest, ioc].entries()) {
      expect(reference.apply(c, 10 + i).changedState).toBe(true);
      expect(engine.replay(c, 10 + i, true, true)).toBe(true);
    }
    // u2's order is filled, u1's IOC expired: both finished under the same clientOrderId.
    for (const c of [ioc, rest, { ...ioc, quantity: '2.0000' } as TradingCommand, { type: 'cancel', userId: 'u2', clientOrderId: 'x' } as TradingCommand]) {
      expect(bytes(engine.apply(c, 50))).toEqual(bytes(reference.apply(c, 50)));
    }
    expect(engine.apply(ioc, 60).changedState).toBe(false);
    expect(state(engine)).toBe(state(reference));
  });
});
