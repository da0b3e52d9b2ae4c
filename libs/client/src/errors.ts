/**
 * Every error the SDK raises or emits is a `TradingClientError` with a stable `code`, so callers
 * branch on codes instead of parsing messages.
 */
export const ClientSdkErrorCode = {
  /** No WebSocket constructor was given and `globalThis.WebSocket` does not exist (Node 20). */
  WEBSOCKET_UNAVAILABLE: 'WEBSOCKET_UNAVAILABLE',
  /** An option is missing or out of range. */
  INVALID_OPTION: 'INVALID_OPTION',
  /** An argument (symbol, channel, ...) is not acceptable. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** The gateway sent a frame that is not JSON or not a known frame type. */
  PROTOCOL_ERROR: 'PROTOCOL_ERROR',
  /** A request (subscribe, auth, ...) got no acknowledgement in time. */
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  /** The token provider threw or returned something that is not a string. */
  TOKEN_PROVIDER_FAILED: 'TOKEN_PROVIDER_FAILED',
  /** A JWT could not be decoded to read its `exp`. */
  INVALID_TOKEN: 'INVALID_TOKEN',
  /** The client was closed with `close()`. */
  CLIENT_CLOSED: 'CLIENT_CLOSED',
  /** The HTTP request itself failed (DNS, refused, aborted, timed out). */
  NETWORK_ERROR: 'NETWORK_ERROR',
  /** The HTTP answer was not the JSON reply the contract promises. */
  BAD_RESPONSE: 'BAD_RESPONSE',
  /** The WebSocket could not be created (bad URL, refused by the constructor); emitted as `error`, then the client retries. */
  CONNECT_FAILED: 'CONNECT_FAILED',
  /** A subscription was removed with `unsubscribe()` before the gateway acknowledged it: its `ready` rejects with this. */
  UNSUBSCRIBED: 'UNSUBSCRIBED',
} as const;
export type ClientSdkErrorCode = (typeof ClientSdkErrorCode)[keyof typeof ClientSdkErrorCode];

export class TradingClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class WebSocketUnavailableError extends TradingClientError {
  constructor() {
    super(
      ClientSdkErrorCode.WEBSOCKET_UNAVAILABLE,
      'no WebSocket implementation: pass { WebSocket } (e.g. the "ws" package in Node 20) or run where globalThis.WebSocket exists',
    );
  }
}

export class InvalidOptionError extends TradingClientError {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(ClientSdkErrorCode.INVALID_OPTION, `option ${option}: ${message}`);
  }
}

export class InvalidArgumentError extends TradingClientError {
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super(ClientSdkErrorCode.INVALID_ARGUMENT, `${argument}: ${message}`);
  }
}

export class ProtocolError extends TradingClientError {
  constructor(
    message: string,
    /** The offending frame, truncated. */
    readonly frame: string,
  ) {
    super(ClientSdkErrorCode.PROTOCOL_ERROR, message);
  }
}

export class RequestTimeoutError extends TradingClientError {
  constructor(
    readonly op: string,
    readonly timeoutMs: number,
  ) {
    super(ClientSdkErrorCode.REQUEST_TIMEOUT, `no answer to ${op} within ${timeoutMs} ms`);
  }
}

/**
 * An `{"type":"error"}` frame from the gateway. `code` is one of the contract's client error codes
 * (BAD_REQUEST, UNKNOWN_SYMBOL, UNAUTHORIZED, RATE_LIMITED, TOO_MANY_SUBSCRIPTIONS) or a later
 * addition such as RESUME_UNAVAILABLE.
 */
export class GatewayError extends TradingClientError {
  constructor(
    code: string,
    message: string,
    /** The request id the gateway echoed, if any. */
    readonly requestId?: string | number,
    /** The op that caused it, when the SDK can tell. */
    readonly op?: string,
  ) {
    super(code, message);
  }
}

export class TokenProviderError extends TradingClientError {
  constructor(cause: unknown) {
    super(ClientSdkErrorCode.TOKEN_PROVIDER_FAILED, `token provider failed: ${describe(cause)}`, { cause });
  }
}

export class InvalidTokenError extends TradingClientError {
  constructor(message: string) {
    super(ClientSdkErrorCode.INVALID_TOKEN, message);
  }
}

export class ClientClosedError extends TradingClientError {
  constructor() {
    super(ClientSdkErrorCode.CLIENT_CLOSED, 'the client is closed');
  }
}

/**
 * A refused or failed REST order-entry request. `code` is the engine's refusal code
 * (VALIDATION_FAILED, UNKNOWN_SYMBOL, ORDER_NOT_FOUND, ...) when the gateway relayed one,
 * otherwise UNAUTHORIZED (401), ENGINE_UNAVAILABLE (503), HTTP_<status>, NETWORK_ERROR or BAD_RESPONSE.
 */
export class OrderEntryError extends TradingClientError {
  constructor(
    code: string,
    message: string,
    /** HTTP status; 0 when no answer arrived. */
    readonly status: number,
    /** For VALIDATION_FAILED: each bad field and what is wrong with it (show it next to the field). */
    readonly details?: Record<string, string>,
    /** The parsed body of the answer, when it was JSON. */
    readonly body?: unknown,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

export function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return String(error);
  } catch {
    return 'unknown error';
  }
}
