import type { IncomingMessage } from 'node:http';
import { HttpError, WebErrorCode } from './http-errors.js';

/**
 * Reads a request body up to `limit` bytes; a larger one is refused with 413 instead of buffered
 * (the rest is discarded, and the 413 answer closes the connection).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, WebErrorCode.BODY_TOO_LARGE, `request body exceeds ${limit} bytes`));
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
