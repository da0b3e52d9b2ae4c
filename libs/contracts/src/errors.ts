/** Refusal codes of an engine command reply (contract section 4). */
export const CommandErrorCode = {
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  UNKNOWN_SYMBOL: 'UNKNOWN_SYMBOL',
  DUPLICATE_CLIENT_ORDER_ID: 'DUPLICATE_CLIENT_ORDER_ID',
  ORDER_NOT_FOUND: 'ORDER_NOT_FOUND',
  POST_ONLY_WOULD_TAKE: 'POST_ONLY_WOULD_TAKE',
  INSUFFICIENT_LIQUIDITY: 'INSUFFICIENT_LIQUIDITY',
  /**
   * Addition to contract v1: a GTC limit order from a user who already has the engine's maximum of
   * resting orders in this symbol (MAX_OPEN_ORDERS_PER_USER). Cancel some, or send IOC/FOK/market.
   */
  TOO_MANY_OPEN_ORDERS: 'TOO_MANY_OPEN_ORDERS',
} as const;
export type CommandErrorCode = (typeof CommandErrorCode)[keyof typeof CommandErrorCode];

/**
 * Refusal codes of a `trading.snapshot.{symbol}` reply. VALIDATION_FAILED: a bad request body.
 * SNAPSHOT_TOO_LARGE (addition to contract v1): the requested levels do not fit in one NATS message
 * (the server's max_payload); `details.depth` says how many levels per side do.
 */
export const SnapshotErrorCode = {
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  SNAPSHOT_TOO_LARGE: 'SNAPSHOT_TOO_LARGE',
} as const;
export type SnapshotErrorCode = (typeof SnapshotErrorCode)[keyof typeof SnapshotErrorCode];

/** Codes of `{"type":"error"}` frames on the WebSocket gateway (contract section 5). */
export const ClientErrorCode = {
  BAD_REQUEST: 'BAD_REQUEST',
  UNKNOWN_SYMBOL: 'UNKNOWN_SYMBOL',
  UNAUTHORIZED: 'UNAUTHORIZED',
  RATE_LIMITED: 'RATE_LIMITED',
  TOO_MANY_SUBSCRIPTIONS: 'TOO_MANY_SUBSCRIPTIONS',
  /** Addition to contract v1 (issue 7): a resume point older than the gateway's event retention window. */
  RESUME_UNAVAILABLE: 'RESUME_UNAVAILABLE',
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/** WebSocket close codes (contract section 5). */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  SLOW_CONSUMER: 4008,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** HTTP status for each command refusal code on the gateway's order-entry API. */
export const HTTP_STATUS_BY_COMMAND_ERROR: Readonly<Record<CommandErrorCode, number>> = {
  VALIDATION_FAILED: 400,
  UNKNOWN_SYMBOL: 404,
  ORDER_NOT_FOUND: 404,
  DUPLICATE_CLIENT_ORDER_ID: 409,
  POST_ONLY_WOULD_TAKE: 422,
  INSUFFICIENT_LIQUIDITY: 422,
  TOO_MANY_OPEN_ORDERS: 422,
};

/** Base of every error this library throws, so callers can branch on `code` instead of messages. */
export class ContractError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidIdentifierError extends ContractError {
  constructor(
    readonly field: string,
    readonly value: unknown,
  ) {
    super('INVALID_IDENTIFIER', `${field} ${JSON.stringify(value)} is not a valid subject-safe ${field}`);
  }
}

export type DecimalErrorReason =
  | 'NOT_A_STRING'
  | 'MALFORMED'
  | 'TOO_MANY_DECIMALS'
  | 'OUT_OF_RANGE'
  | 'NOT_A_MULTIPLE'
  | 'NOT_POSITIVE';

export class DecimalError extends ContractError {
  constructor(
    readonly reason: DecimalErrorReason,
    message: string,
  ) {
    super(`DECIMAL_${reason}`, message);
  }
}

export class SymbolConfigError extends ContractError {
  constructor(message: string) {
    super('INVALID_SYMBOL_CONFIG', message);
  }
}
