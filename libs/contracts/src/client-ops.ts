import type { ClientErrorCode } from './errors.js';

/** Frames on the gateway's manual-subscription endpoint `GET /ws` (contract section 5). */
export type Channel = 'trades' | 'book' | 'orders';
export const CHANNELS: readonly Channel[] = ['trades', 'book', 'orders'];
/** `"*"` means every symbol; allowed for trades and orders, not for books. */
export const ALL_SYMBOLS = '*';

export type RequestId = string | number;

export interface SubscribeOp {
  op: 'subscribe';
  channel: Channel;
  symbol: string;
  id?: RequestId;
  /** Addition to contract v1 (issue 7): replay every event with seq > fromSeq of this one-symbol stream. */
  fromSeq?: number;
  /** Addition to contract v1 (issue 7): per-symbol resume points for a `"*"` subscription. */
  fromSeqs?: Record<string, number>;
}

export interface UnsubscribeOp {
  op: 'unsubscribe';
  channel: Channel;
  symbol: string;
  id?: RequestId;
}

export interface AuthOp {
  op: 'auth';
  token: string;
  id?: RequestId;
}

export interface PingOp {
  op: 'ping';
  id?: RequestId;
}

export type ClientOp = SubscribeOp | UnsubscribeOp | AuthOp | PingOp;

export interface SubscribedFrame {
  type: 'subscribed';
  channel: Channel;
  symbol: string;
  id?: RequestId;
}

export interface UnsubscribedFrame {
  type: 'unsubscribed';
  channel: Channel;
  symbol: string;
  id?: RequestId;
}

export interface AuthenticatedFrame {
  type: 'authenticated';
  userId: string;
  id?: RequestId;
}

export interface PongFrame {
  type: 'pong';
  id?: RequestId;
  ts: number;
}

export interface ErrorFrame {
  type: 'error';
  code: ClientErrorCode;
  message: string;
  id?: RequestId;
}

export type ServerControlFrame = SubscribedFrame | UnsubscribedFrame | AuthenticatedFrame | PongFrame | ErrorFrame;
