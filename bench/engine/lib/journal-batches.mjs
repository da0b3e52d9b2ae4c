// The journal the replay benchmarks (replay.mjs, replay-breakdown.mjs) replay: per symbol,
// `perSymbol` commands of core.mjs's mix (seed 42) in batches of `batchSize`, cancels renamed to
// that symbol's order ids, stored ts counting up from a fixed origin.
import { generateCommands } from '../core.mjs';

/** Per symbol, its encoded batches; `format` supplies encodeEntry/encodeBatch (version 1 or 2). */
export function mixJournalBatches(symbols, perSymbol, batchSize, { encodeEntry, encodeBatch }) {
  const data = generateCommands(perSymbol, 42);
  const ts0 = 1_700_000_000_000;
  return symbols.map((symbol) => {
    const batches = [];
    for (let i = 0; i < perSymbol; i += batchSize) {
      const entries = [];
      for (let j = i; j < Math.min(perSymbol, i + batchSize); j++) {
        const c = data.wire[j];
        entries.push(encodeEntry(ts0 + j, c.type === 'cancel' ? { ...c, orderId: c.orderId.replace('BTC-USD-', `${symbol}-`) } : c));
      }
      batches.push(encodeBatch(entries));
    }
    return batches;
  });
}
