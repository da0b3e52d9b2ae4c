import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { TradingCommand } from '@trading/contracts';
import { createSymbolEngine, type SymbolEngine } from '../src/index.js';
import { goldenCommands } from './golden-stream.js';
import { BTC } from './harness.js';
import { bytes, command, probes, state } from './replay-commands.js';

/**
 * `replay` (recovery's path for already-published journal entries) must leave exactly the state
 * `apply` leaves: compared through exportState() after every command, and through the bytes every
 * later command produces, idempotent retries of replayed places included (their replies are
 * rebuilt from what the order kept, so they must come back byte for byte).
 */

/** Applies `commands` to a fresh engine, and the same with the entries marked in `silent` replayed. */
function compare(commands: readonly TradingCommand[], silent: readonly boolean[], window?: number, validated = false): { reference: SymbolEngine; replayed: SymbolEngine } {
  const options = window === undefined ? undefined : { idempotencyWindow: window };
  const reference = createSymbolEngine(BTC, undefined, options);
  const replayed = createSymbolEngine(BTC, undefined, options);
  commands.forEach((c, i) => {
    const ts = 1_700_000_000_000 + i * 3;
    const expected = reference.apply(c, ts);
    // validated (DTO-valid commands only): every other replayed entry skips the DTO check, as journal entries do.
    if (silent[i]) expect(replayed.replay(c, ts, validated && i % 2 === 0)).toBe(expected.changedState);
    else expect(bytes(replayed.apply(c, ts))).toEqual(bytes(expected));
    expect(state(replayed)).toBe(state(reference));
  });
  return { reference, replayed };
}

describe('SymbolEngine.replay', () => {
  it('leaves the same state as apply, and later commands (retries included) give the same bytes', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 60 }), fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }), (commands, mask) => {
        const { reference, replayed } = compare(commands, mask, undefined, true);
        let ts = 1_800_000_000_000;
        for (const c of probes(commands)) {
          ts += 5;
          expect(bytes(replayed.apply(c, ts))).toEqual(bytes(reference.apply(c, ts)));
        }
        expect(state(replayed)).toBe(state(reference));
        expect(replayed.snapshot()).toEqual(reference.snapshot());
      }),
      { numRuns: 150 },
    );
  });

  it('replayed prefix, applied rest: the golden stream gives the same bytes and state as apply alone', () => {
    const commands = goldenCommands() as TradingCommand[];
    // The golden stream with a small idempotency window, so replay also evicts finished orders.
    const cut = 3000;
    const { reference, replayed } = compare(
      commands,
      commands.map((_, i) => i < cut),
      300,
    );
    // Idempotent retries of the last places, whatever path recorded them.
    let ts = 1_800_000_000_000;
    for (const c of commands.slice(-400).filter((c) => c.type === 'place')) {
      ts += 1;
      const r = replayed.apply(c, ts);
      expect(bytes(r)).toEqual(bytes(reference.apply(c, ts)));
    }
    expect(replayed.snapshot()).toEqual(reference.snapshot());
  });

  it('a refused or repeated command replays as unchanged, like apply', () => {
    const engine = createSymbolEngine(BTC);
    const placeCmd = { type: 'place', userId: 'u1', clientOrderId: 'a', side: 'buy', orderType: 'limit', price: '100.00', quantity: '1.0000' } as TradingCommand;
    expect(engine.replay(placeCmd, 1)).toBe(true);
    const before = state(engine);
    expect(engine.replay(placeCmd, 2)).toBe(false); // idempotent repeat
    expect(engine.replay({ ...placeCmd, price: '100.005' } as TradingCommand, 3)).toBe(false); // off tick
    expect(engine.replay({ type: 'bogus' } as unknown as TradingCommand, 4)).toBe(false);
    expect(engine.replay(placeCmd, -1)).toBe(false); // bad ts
    // Known to be DTO-valid (a journal entry): symbol rules and idempotency still decide.
    expect(engine.replay(placeCmd, 6, true)).toBe(false);
    expect(engine.replay({ ...placeCmd, clientOrderId: 'b', price: '100.005' } as TradingCommand, 7, true)).toBe(false);
    expect(state(engine)).toBe(before);
    // The retry after a replay returns the original reply.
    const retry = engine.apply(placeCmd, 5);
    expect(retry.changedState).toBe(false);
    expect(retry.reply).toMatchObject({ ok: true, order: { status: 'NEW', seq: 1, ts: 1, clientOrderId: 'a' } });
  });
});
