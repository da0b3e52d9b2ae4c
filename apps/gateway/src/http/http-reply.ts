import type { HttpResponse } from 'uWebSockets.js';

/**
 * On every HTTP answer: the API only ever returns JSON to scripts, so nothing may be sniffed as
 * HTML, cached (answers carry orders), framed, or leak the URL through Referer.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-site',
};

export const STATUS_TEXT: Record<number, string> = {
  200: '200 OK',
  204: '204 No Content',
  400: '400 Bad Request',
  401: '401 Unauthorized',
  403: '403 Forbidden',
  404: '404 Not Found',
  405: '405 Method Not Allowed',
  409: '409 Conflict',
  413: '413 Payload Too Large',
  422: '422 Unprocessable Entity',
  500: '500 Internal Server Error',
  502: '502 Bad Gateway',
  503: '503 Service Unavailable',
};

/** The gateway's own HTTP error body (engine replies are forwarded as they are). */
export function errorBody(code: string, message: string, details?: Record<string, string>): string {
  return JSON.stringify({ ok: false, error: { code, message, details } });
}

/**
 * Writes a complete response, corked (required when answering after an await) and skipped if the
 * client went away meanwhile (writing to an aborted uWS response would crash the process).
 */
export function reply(
  res: HttpResponse,
  status: number,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
): void {
  if (res.aborted) return;
  res.cork(() => {
    res.writeStatus(STATUS_TEXT[status] ?? `${status} Status`);
    res.writeHeader('Content-Type', 'application/json');
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.writeHeader(name, value);
    for (const [name, value] of Object.entries(headers)) res.writeHeader(name, value);
    res.end(body);
  });
  res.aborted = true; // answered: nothing may write to it again
}
