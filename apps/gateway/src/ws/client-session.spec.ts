import { describe, expect, it, jest } from '@jest/globals';
import type { BookSync } from '../books/book-sync.js';
import type { ClientSocket, GatewayContext } from '../gateway-context.js';
import { ClientSession } from './client-session.js';

/**
 * The open work of a session runs in a microtask after uWS's open handler (websocket-server.ts).
 * A socket can be closed in between; then the book reference taken at the upgrade must still be
 * given back, and the late open must not touch the closed socket.
 */
describe('ClientSession closed before its deferred open', () => {
  const fakeContext = () => {
    const release = jest.fn();
    const ctx = {
      config: { maxMessagesPerSecond: 20, rateLimitCloseAfter: 3 },
      books: { release },
      interest: { release: jest.fn(), acquire: jest.fn() },
      expiry: { add: jest.fn(), delete: jest.fn() },
      metrics: { subscriptions: { inc: jest.fn(), dec: jest.fn() } },
    } as unknown as GatewayContext;
    return { ctx, release };
  };

  it('gives back the book of a /ws/markets socket and leaves the socket alone', () => {
    const { ctx, release } = fakeContext();
    const book = { symbol: 'BTC-USD', attach: jest.fn(), detach: jest.fn(), live: true } as unknown as BookSync;
    const session = new ClientSession(ctx, 'markets', '127.0.0.1', undefined, { trades: ['BTC-USD'], book });
    session.onClose();
    expect(release).toHaveBeenCalledTimes(1);
    expect(release).toHaveBeenCalledWith(book);
    const ws = { send: jest.fn(), subscribe: jest.fn(), end: jest.fn() } as unknown as ClientSocket;
    session.onOpen(ws);
    expect(session.ws).toBeUndefined();
    expect((book as unknown as { attach: jest.Mock }).attach).not.toHaveBeenCalled();
    expect((ws as unknown as { subscribe: jest.Mock }).subscribe).not.toHaveBeenCalled();
    expect(release).toHaveBeenCalledTimes(1);
  });

  it('releases the book once when the socket closes after its open', () => {
    const { ctx, release } = fakeContext();
    const book = { symbol: 'BTC-USD', topic: 'trading.book.BTC-USD', attach: jest.fn(), detach: jest.fn(), live: false } as unknown as BookSync;
    const session = new ClientSession(ctx, 'markets', '127.0.0.1', undefined, { trades: ['BTC-USD'], book });
    session.onOpen({ send: jest.fn(), subscribe: jest.fn(), end: jest.fn() } as unknown as ClientSocket);
    expect((book as unknown as { attach: jest.Mock }).attach).toHaveBeenCalledTimes(1);
    session.onClose();
    expect(release).toHaveBeenCalledTimes(1);
    expect(release).toHaveBeenCalledWith(book);
  });
});
