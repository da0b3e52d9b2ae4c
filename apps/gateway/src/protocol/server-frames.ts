import type {
  AuthenticatedFrame,
  Channel,
  ClientErrorCode,
  ErrorFrame,
  PongFrame,
  RequestId,
  SubscribedFrame,
  UnsubscribedFrame,
} from '@trading/contracts';

/** Builders for the gateway's own control frames; `id` is echoed only when the client sent one. */
export const frames = {
  subscribed: (channel: Channel, symbol: string, id?: RequestId): string =>
    JSON.stringify({ type: 'subscribed', channel, symbol, id } satisfies SubscribedFrame),
  unsubscribed: (channel: Channel, symbol: string, id?: RequestId): string =>
    JSON.stringify({ type: 'unsubscribed', channel, symbol, id } satisfies UnsubscribedFrame),
  authenticated: (userId: string, id?: RequestId): string => JSON.stringify({ type: 'authenticated', userId, id } satisfies AuthenticatedFrame),
  pong: (id?: RequestId): string => JSON.stringify({ type: 'pong', id, ts: Date.now() } satisfies PongFrame),
  error: (code: ClientErrorCode, message: string, id?: RequestId): string => JSON.stringify({ type: 'error', code, message, id } satisfies ErrorFrame),
};
