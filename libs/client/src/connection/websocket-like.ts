/**
 * The part of the WHATWG WebSocket API the SDK uses. Browsers' native WebSocket and the `ws`
 * package (Node) both implement it, so the SDK never imports `ws` itself: Node callers pass
 * `{ WebSocket }` from `ws`, browsers use `globalThis.WebSocket`.
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string; wasClean?: boolean }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export const WS_OPEN = 1;

/** Drops a socket immediately: `ws` has terminate(); browsers only have close(). */
export function hardClose(socket: WebSocketLike, code: number, reason: string): void {
  const terminate = (socket as { terminate?: () => void }).terminate;
  try {
    if (typeof terminate === 'function') terminate.call(socket);
    else socket.close(code, reason);
  } catch {
    // Already closed or closing: nothing left to release.
  }
}
