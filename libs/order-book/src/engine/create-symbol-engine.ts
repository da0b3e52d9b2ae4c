import type { SymbolSpec } from '@trading/contracts';
import type { SymbolEngine, SymbolEngineState } from '../symbol-engine-types.js';
import { InvalidSymbolStateError, decodeState } from './state-codec.js';
import { MatchingSymbolEngine, type SymbolEngineOptions } from './symbol-engine.js';

/**
 * Creates one symbol's engine, empty or restored from `exportState()` output.
 * Throws InvalidSymbolStateError when the state does not fit the spec or is malformed; after that
 * `apply` never throws.
 */
export function createSymbolEngine(spec: SymbolSpec, state?: SymbolEngineState, options?: SymbolEngineOptions): SymbolEngine {
  const engine = new MatchingSymbolEngine(spec, options);
  if (state !== undefined) {
    try {
      decodeState(engine, state);
    } catch (err) {
      if (err instanceof InvalidSymbolStateError) throw err;
      throw new InvalidSymbolStateError(`${spec.symbol}: state cannot be restored: ${(err as Error).message}`);
    }
  }
  return engine;
}
