/** Symbols and user ids end up as NATS subject tokens, so both are restricted to subject-safe characters. */
export const SYMBOL_PATTERN = /^[A-Z0-9]{1,12}-[A-Z0-9]{1,12}$/;
export const USER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** clientOrderId is chosen by clients; it never enters a subject but is bounded to keep replies and journals small. */
export const CLIENT_ORDER_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
/** Decimal strings only: no JSON numbers, signs, exponents or blanks (contract section 1). */
export const DECIMAL_STRING = /^(0|[1-9][0-9]*)(\.[0-9]+)?$/;
/** Engine order ids: `{symbol}-{n}`. */
export const ORDER_ID_PATTERN = /^[A-Z0-9]{1,12}-[A-Z0-9]{1,12}-[0-9]{1,16}$/;

export function isSymbol(value: unknown): value is string {
  return typeof value === 'string' && SYMBOL_PATTERN.test(value);
}

export function isUserId(value: unknown): value is string {
  return typeof value === 'string' && USER_ID_PATTERN.test(value);
}

export function isClientOrderId(value: unknown): value is string {
  return typeof value === 'string' && CLIENT_ORDER_ID_PATTERN.test(value);
}

export function isOrderId(value: unknown): value is string {
  return typeof value === 'string' && ORDER_ID_PATTERN.test(value);
}
