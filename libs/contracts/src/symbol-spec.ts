import { fromSteps, parseStep, toSteps, type Step } from './decimal.js';
import { SymbolConfigError, ContractError } from './errors.js';
import { isSymbol } from './identifiers.js';

export const DEFAULT_TICK = '0.01';
export const DEFAULT_LOT = '0.0001';

/** A tradable symbol's sizes: prices are whole ticks, quantities whole lots (contract section 1). */
export interface SymbolSpec {
  readonly symbol: string;
  readonly tick: Step;
  readonly lot: Step;
  /** Minimum order quantity, in lots. */
  readonly minLots: number;
}

export function createSymbolSpec(symbol: string, tick = DEFAULT_TICK, lot = DEFAULT_LOT, minQuantity?: string): SymbolSpec {
  if (!isSymbol(symbol)) throw new SymbolConfigError(`symbol "${symbol}" must match ^[A-Z0-9]{1,12}-[A-Z0-9]{1,12}$`);
  const tickStep = stepOrThrow(symbol, 'tick', tick);
  const lotStep = stepOrThrow(symbol, 'lot', lot);
  let minLots = 1;
  if (minQuantity !== undefined) {
    try {
      minLots = toSteps(minQuantity, lotStep);
    } catch (err) {
      throw new SymbolConfigError(`${symbol}: minimum quantity "${minQuantity}": ${(err as Error).message}`);
    }
    if (minLots < 1) throw new SymbolConfigError(`${symbol}: minimum quantity must be at least one lot`);
  }
  return { symbol, tick: tickStep, lot: lotStep, minLots };
}

function stepOrThrow(symbol: string, name: string, text: string): Step {
  try {
    return parseStep(text);
  } catch (err) {
    throw new SymbolConfigError(`${symbol}: ${name} "${text}": ${(err as ContractError).message}`);
  }
}

/**
 * Parses the SYMBOLS environment variable: `SYMBOL[:tick[:lot[:minQuantity]]]`, comma-separated.
 * (`minQuantity` is an addition to contract v1; it defaults to one lot.)
 */
export function parseSymbolsList(text: string | undefined): SymbolSpec[] {
  if (typeof text !== 'string' || text.trim() === '') throw new SymbolConfigError('SYMBOLS is empty: name at least one symbol');
  const specs: SymbolSpec[] = [];
  const seen = new Set<string>();
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') throw new SymbolConfigError(`SYMBOLS has an empty entry in "${text}"`);
    const parts = entry.split(':');
    if (parts.length > 4) throw new SymbolConfigError(`SYMBOLS entry "${entry}" has too many ':' parts`);
    // `BTC-USD:` or `BTC-USD::0.1` is a typo, not a request for defaults: defaults come from leaving parts off.
    if (parts.some((part) => part.trim() === '')) throw new SymbolConfigError(`SYMBOLS entry "${entry}" has an empty part`);
    const [symbol, tick, lot, minQuantity] = parts;
    if (seen.has(symbol)) throw new SymbolConfigError(`SYMBOLS names ${symbol} twice`);
    seen.add(symbol);
    specs.push(createSymbolSpec(symbol, tick || DEFAULT_TICK, lot || DEFAULT_LOT, minQuantity || undefined));
  }
  return specs;
}

export const priceToTicks = (spec: SymbolSpec, price: unknown): number => toSteps(price, spec.tick);
export const ticksToPrice = (spec: SymbolSpec, ticks: number): string => fromSteps(ticks, spec.tick);
export const quantityToLots = (spec: SymbolSpec, quantity: unknown): number => toSteps(quantity, spec.lot);
export const lotsToQuantity = (spec: SymbolSpec, lots: number): string => fromSteps(lots, spec.lot);
