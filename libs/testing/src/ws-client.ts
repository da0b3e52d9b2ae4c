import WebSocket from 'ws';
import { waitFor } from './wait-for.js';

export interface CloseInfo {
  code: number;
  reason: string;
}

/** Raised when the server answers the upgrade with an HTTP status instead of switching protocols. */
export class UpgradeRefusedError extends Error {
  readonly code = 'UPGRADE_REFUSED';
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`upgrade refused with HTTP ${status}: ${body}`);
  }
}

/**
 * A WebSocket test client that records every frame, so tests can assert on exact sequences
 * (counts, order, duplicates) and wait for conditions without fixed sleeps.
 */
export class TestSocket {
  readonly frames: string[] = [];
  readonly binaryFrames: Buffer[] = [];
  closed?: CloseInfo;
  private readonly closedPromise: Promise<CloseInfo>;

  /** Errors the client library reported after the open (a 1006 close usually follows one). */
  readonly errors: Error[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('error', (err) => this.errors.push(err));
    ws.on('message', (data, isBinary) => {
      if (isBinary) this.binaryFrames.push(data as Buffer);
      else this.frames.push(data.toString());
    });
    this.closedPromise = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        this.closed = { code, reason: reason.toString() };
        resolve(this.closed);
      }),
    );
  }

  static open(url: string, options: { headers?: Record<string, string>; localAddress?: string } = {}): Promise<TestSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers: options.headers, localAddress: options.localAddress, maxPayload: 64 * 1024 * 1024 });
      const socket = new TestSocket(ws);
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => reject(new UpgradeRefusedError(res.statusCode ?? 0, body)));
      });
      ws.once('error', (err) => reject(err));
    });
  }

  /** Parsed JSON of every text frame received so far. */
  get messages(): any[] {
    return this.frames.map((f) => JSON.parse(f));
  }

  send(data: unknown): void {
    this.ws.send(typeof data === 'string' || Buffer.isBuffer(data) ? data : JSON.stringify(data));
  }

  /** Waits for the first received message (from index `from`) that matches, and returns it parsed. */
  async waitForMessage(predicate: (msg: any) => boolean, timeoutMs = 10_000, from = 0): Promise<any> {
    return waitFor(
      () => {
        for (let i = from; i < this.frames.length; i++) {
          const msg = JSON.parse(this.frames[i]);
          if (predicate(msg)) return msg;
        }
        return undefined;
      },
      { timeoutMs, description: 'a matching WebSocket message', intervalMs: 10 },
    );
  }

  async waitForCount(predicate: (msg: any) => boolean, count: number, timeoutMs = 10_000): Promise<any[]> {
    return waitFor(
      () => {
        const matching = this.messages.filter(predicate);
        return matching.length >= count ? matching : undefined;
      },
      { timeoutMs, description: `${count} matching WebSocket messages`, intervalMs: 10 },
    );
  }

  waitForClose(timeoutMs = 10_000): Promise<CloseInfo> {
    return Promise.race([
      this.closedPromise,
      new Promise<CloseInfo>((_, reject) => setTimeout(() => reject(new Error('socket did not close in time')), timeoutMs).unref()),
    ]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.ws.close();
    await this.waitForClose().catch(() => this.ws.terminate());
  }
}
