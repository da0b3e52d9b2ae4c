import { DecimalError } from './errors.js';

/**
 * Exact decimal-string <-> integer conversion. Prices and quantities never touch floating point:
 * the wire carries decimal strings, the engine integer ticks and lots.
 */
const DECIMAL_SHAPE = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;
const POWERS_OF_TEN: readonly number[] = Array.from({ length: 16 }, (_, i) => 10 ** i);
export const MAX_DECIMALS = 15;

/** Number of decimals of a canonical decimal string, e.g. "0.0100" -> 4. */
export function decimalsOf(value: string): number {
  const dot = value.indexOf('.');
  return dot < 0 ? 0 : value.length - dot - 1;
}

/**
 * Parses `value` into an integer count of 10^-decimals units.
 * Accepts at most `decimals` fractional digits; rejects signs, exponents, blanks, leading zeros
 * and anything whose scaled value exceeds Number.MAX_SAFE_INTEGER.
 */
export function parseScaled(value: unknown, decimals: number): number {
  requireDecimals(decimals);
  if (typeof value !== 'string') throw new DecimalError('NOT_A_STRING', 'must be a decimal string');
  const match = DECIMAL_SHAPE.exec(value);
  if (!match) throw new DecimalError('MALFORMED', `"${truncate(value)}" is not a plain decimal string`);
  const whole = match[1];
  const fraction = match[2] ?? '';
  if (fraction.length > decimals) {
    throw new DecimalError('TOO_MANY_DECIMALS', `"${truncate(value)}" has more than ${decimals} decimals`);
  }
  const digits = whole + fraction.padEnd(decimals, '0');
  // 16 significant digits can exceed 2^53; anything longer certainly does.
  if (digits.replace(/^0+/, '').length > 16) throw outOfRange(value);
  const scaled = Number(digits);
  if (!Number.isSafeInteger(scaled)) throw outOfRange(value);
  return scaled;
}

/** Formats an integer count of 10^-decimals units with exactly `decimals` fractional digits. */
export function formatScaled(scaled: number, decimals: number): string {
  requireDecimals(decimals);
  if (!Number.isSafeInteger(scaled) || scaled < 0) {
    throw new DecimalError('OUT_OF_RANGE', `${scaled} is not a non-negative safe integer`);
  }
  if (decimals === 0) return String(scaled);
  const digits = String(scaled).padStart(decimals + 1, '0');
  const cut = digits.length - decimals;
  return `${digits.slice(0, cut)}.${digits.slice(cut)}`;
}

/** A step size such as a tick `0.05` or a lot `0.0001`, as (decimals, units of 10^-decimals). */
export interface Step {
  readonly text: string;
  readonly decimals: number;
  readonly units: number;
}

export function parseStep(text: string): Step {
  if (typeof text !== 'string') throw new DecimalError('NOT_A_STRING', 'a step must be a decimal string such as "0.01"');
  const decimals = decimalsOf(text);
  if (decimals > MAX_DECIMALS) throw new DecimalError('TOO_MANY_DECIMALS', `step "${text}" has too many decimals`);
  const units = parseScaled(text, decimals);
  if (units <= 0) throw new DecimalError('NOT_POSITIVE', `step "${text}" must be greater than zero`);
  return { text, decimals, units };
}

/** Converts a decimal string to a whole number of steps (ticks or lots). */
export function toSteps(value: unknown, step: Step): number {
  const scaled = parseScaled(value, step.decimals);
  if (scaled % step.units !== 0) {
    throw new DecimalError('NOT_A_MULTIPLE', `"${truncate(String(value))}" is not a multiple of ${step.text}`);
  }
  return scaled / step.units;
}

/** Converts a whole number of steps back to its wire form, with exactly the step's decimals. */
export function fromSteps(steps: number, step: Step): string {
  // A fractional step count could still multiply out to an integer (0.5 * 2); it is a caller bug.
  if (!Number.isSafeInteger(steps) || steps < 0) {
    throw new DecimalError('OUT_OF_RANGE', `${steps} is not a non-negative whole number of steps of ${step.text}`);
  }
  const scaled = steps * step.units;
  if (!Number.isSafeInteger(scaled)) throw new DecimalError('OUT_OF_RANGE', `${steps} steps of ${step.text} overflow`);
  return formatScaled(scaled, step.decimals);
}

/** Scales beyond MAX_DECIMALS cannot come from a Step, and a huge one would pad a huge string. */
function requireDecimals(decimals: number): void {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > MAX_DECIMALS) {
    throw new DecimalError('OUT_OF_RANGE', `decimals must be a whole number from 0 to ${MAX_DECIMALS}, not ${decimals}`);
  }
}

function outOfRange(value: string): DecimalError {
  return new DecimalError('OUT_OF_RANGE', `"${truncate(value)}" is beyond the supported range`);
}

function truncate(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}...` : value;
}

export { POWERS_OF_TEN };
