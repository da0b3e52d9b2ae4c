import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { HttpError, WebErrorCode } from './http-errors.js';
import { readBody } from './read-body.js';

const MAX_BODY_BYTES = 16 * 1024;
const UPSTREAM_TIMEOUT_MS = 10_000;

/**
 * Same-origin order entry for the page: `POST /api/v1/orders` and `DELETE /api/v1/orders/{id}` are
 * forwarded unchanged (Authorization header included) to a gateway replica, and the gateway's
 * status and body come back unchanged. A replica that refuses the connection is skipped for the
 * next one, so order entry keeps working while one replica is down. Only transport failures fail
 * over: any HTTP answer, even 503, is the gateway's word and is relayed as is (a command the engine
 * may have journaled must not be sent twice by the proxy; the client retries with the same
 * clientOrderId if it wants to).
 */
export class OrderProxy {
  private preferred = 0;

  constructor(
    private readonly gatewayHttpUrls: string[],
    private readonly log: Logger,
  ) {}

  async forward(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const method = req.method ?? 'GET';
    const body = method === 'POST' ? (await readBody(req, MAX_BODY_BYTES)).toString('utf8') : undefined;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (typeof req.headers.authorization === 'string') headers.authorization = req.headers.authorization;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const n = this.gatewayHttpUrls.length;
    const failures: string[] = [];
    for (let i = 0; i < n; i++) {
      const index = (this.preferred + i) % n;
      const base = this.gatewayHttpUrls[index];
      let answer: Response;
      try {
        answer = await fetch(base + path, { method, headers, body, signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) });
      } catch (err) {
        if ((err as Error).name === 'TimeoutError') {
          // The request may have reached the engine: do not send it again elsewhere.
          throw new HttpError(504, WebErrorCode.GATEWAY_UNAVAILABLE, `gateway ${base} did not answer within ${UPSTREAM_TIMEOUT_MS} ms`);
        }
        failures.push(`${base}: ${describeCause(err)}`);
        this.log.warn({ gateway: base, err: describeCause(err) }, 'gateway unreachable for order entry; trying the next replica');
        continue;
      }
      this.preferred = index;
      const text = await answer.text();
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json', 'cache-control': 'no-store' });
      res.end(text);
      return;
    }
    throw new HttpError(503, WebErrorCode.GATEWAY_UNAVAILABLE, `no gateway replica reachable (${failures.join('; ')})`);
  }
}

function describeCause(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}
