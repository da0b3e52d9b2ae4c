import type { HttpResponse } from 'uWebSockets.js';

export class BodyTooLargeError extends Error {
  readonly code = 'PAYLOAD_TOO_LARGE';
}

/** Collects a request body up to `maxBytes`; uWS chunks are only valid during the callback, so each is copied. */
export function readBody(res: HttpResponse, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    res.onData((chunk, isLast) => {
      if (failed) return;
      size += chunk.byteLength;
      if (size > maxBytes) {
        failed = true;
        reject(new BodyTooLargeError(`request body exceeds ${maxBytes} bytes`));
        return;
      }
      chunks.push(Buffer.from(new Uint8Array(chunk)));
      if (isLast) resolve(Buffer.concat(chunks));
    });
  });
}
