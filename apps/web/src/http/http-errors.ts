import type { ServerResponse } from 'node:http';

/** Codes the page server itself answers with (the gateway's and engine's codes pass through unchanged). */
export const WebErrorCode = {
  NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  DEV_TOKENS_DISABLED: 'DEV_TOKENS_DISABLED',
  GATEWAY_UNAVAILABLE: 'GATEWAY_UNAVAILABLE',
  INTERNAL: 'INTERNAL',
} as const;
export type WebErrorCode = (typeof WebErrorCode)[keyof typeof WebErrorCode];

/** A refusal with an HTTP status; bodies have the engine reply's error shape so one parser reads both. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: WebErrorCode,
    message: string,
    readonly details?: Record<string, string>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, error: HttpError): void {
  const body: { ok: false; error: { code: string; message: string; details?: Record<string, string> } } = {
    ok: false,
    error: { code: error.code, message: error.message },
  };
  if (error.details) body.error.details = error.details;
  // After a 413 the unread rest of the body is not worth keeping the connection for.
  sendJson(res, error.status, body, error.status === 413 ? { connection: 'close' } : {});
}
