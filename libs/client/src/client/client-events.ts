import type { Channel } from '@trading/contracts';
import type { TradingClientError } from '../errors.js';

/** Overall state of a TradingClient. */
export type ClientState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** What a page shows per gateway replica. */
export type ReplicaState = 'idle' | 'connecting' | 'open' | 'closed';

export interface ReplicaStatus {
  url: string;
  state: ReplicaState;
  /** Close code of the last connection to this replica (1001 = replica shutting down, 4008 = slow consumer, 1006 = dropped / unreachable, 4000 = heartbeat timeout by this SDK). */
  code?: number;
  reason?: string;
  /** Epoch ms of the last state change. */
  since: number;
}

export interface StateChange {
  state: ClientState;
  /** The replica involved (the one connecting/open, or the one that just closed). */
  url?: string;
  code?: number;
  reason?: string;
}

export interface CloseEvent {
  url: string;
  code: number;
  reason: string;
  /** False only after `close()`. */
  willReconnect: boolean;
  /** Delay before the next attempt. */
  delayMs?: number;
  /** The replica the next attempt will use. */
  nextUrl?: string;
}

/**
 * A gap on one stream (stream = one NATS subject: `trades:SYMBOL`, `orders:SYMBOL`, `book:SYMBOL`).
 * `reason: 'seq'` means an event arrived whose seq is not last + 1 (events between were missed);
 * `'resume-unavailable'` means the gateway could not replay from the last seen seq.
 * For books the SDK resynchronises by itself (`resync: true`); trades and orders cannot be
 * recovered without resume, so the gap is reported and delivery continues.
 */
export interface StreamGap {
  channel: Channel;
  symbol: string;
  stream: string;
  /** First seq that was missed. */
  expected: number;
  /** Seq that arrived instead (absent for resume-unavailable). */
  received?: number;
  reason: 'seq' | 'resume-unavailable';
  resync: boolean;
}

export interface TradingClientEvents {
  state: StateChange;
  connecting: { url: string; attempt: number };
  open: { url: string };
  close: CloseEvent;
  replica: ReplicaStatus;
  authenticated: { userId: string };
  gap: StreamGap;
  /** Errors not tied to one subscription: protocol errors, token provider failures, auth refusals, uncorrelated error frames. */
  error: TradingClientError;
}

export interface ClientStats {
  /** Sockets opened successfully. */
  connections: number;
  /** Events dropped because their seq was already seen (allowed repeats after an engine crash, or overlapping subscriptions). */
  duplicatesDropped: number;
  gaps: number;
  bookResyncs: number;
  protocolErrors: number;
}
