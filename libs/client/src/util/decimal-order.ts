/**
 * Exact ordering of the contract's decimal strings (`^(0|[1-9][0-9]*)(\.[0-9]+)?$`) without ever
 * converting a price to a float: compares the integer parts by length then digits, then the
 * fractions padded to equal length. Identity stays the string itself.
 */
const DECIMAL = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

export function isDecimalString(value: unknown): value is string {
  return typeof value === 'string' && DECIMAL.test(value);
}

/** Negative when a < b, zero when equal in value ("1.50" equals "1.5"), positive when a > b. */
export function compareDecimal(a: string, b: string): number {
  if (a === b) return 0;
  const dotA = a.indexOf('.');
  const dotB = b.indexOf('.');
  const intA = dotA < 0 ? a : a.slice(0, dotA);
  const intB = dotB < 0 ? b : b.slice(0, dotB);
  if (intA.length !== intB.length) return intA.length - intB.length;
  if (intA !== intB) return intA < intB ? -1 : 1;
  let fracA = dotA < 0 ? '' : a.slice(dotA + 1);
  let fracB = dotB < 0 ? '' : b.slice(dotB + 1);
  const width = Math.max(fracA.length, fracB.length);
  fracA = fracA.padEnd(width, '0');
  fracB = fracB.padEnd(width, '0');
  if (fracA === fracB) return 0;
  return fracA < fracB ? -1 : 1;
}

/** True for "0", "0.0000", ...: a zero quantity removes a level. */
export function isZeroDecimal(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c !== 48 /* 0 */ && c !== 46 /* . */) return false;
  }
  return value.length > 0;
}
