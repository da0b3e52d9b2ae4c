import type {
  AuthenticatedFrame,
  Channel,
  ErrorFrame,
  OrderBookSnapshot,
  OrderBookUpdate,
  OrderUpdate,
  PongFrame,
  RequestId,
  SubscribedFrame,
  TradeExecuted,
  UnsubscribedFrame,
} from '@trading/contracts';
import { ProtocolError } from '../errors.js';

/**
 * Frames of the gateway's `/ws` endpoint (contract section 5), as the SDK sends and reads them.
 * The wire types come from @trading/contracts (type-only imports: nothing of that package ends up
 * in a browser bundle).
 */
export interface OutboundSubscribe {
  op: 'subscribe';
  channel: Channel;
  symbol: string;
  id: RequestId;
  /** Resume (issue 7): replay every event with seq > fromSeq of this one-symbol stream. */
  fromSeq?: number;
  /** Resume (issue 7) for `"*"`: last seq seen per symbol. */
  fromSeqs?: Record<string, number>;
}

export type OutboundOp =
  | OutboundSubscribe
  | { op: 'unsubscribe'; channel: Channel; symbol: string; id: RequestId }
  | { op: 'auth'; token: string; id: RequestId }
  | { op: 'ping'; id: RequestId };

export type ControlFrame = SubscribedFrame | UnsubscribedFrame | AuthenticatedFrame | PongFrame | ErrorFrame;
export type EventFrame = OrderUpdate | TradeExecuted | OrderBookUpdate | OrderBookSnapshot;
export type InboundFrame = ControlFrame | EventFrame;

const CONTROL_TYPES = new Set(['subscribed', 'unsubscribed', 'authenticated', 'pong', 'error']);
const EVENT_TYPES = new Set(['OrderUpdate', 'TradeExecuted', 'OrderBookUpdate', 'OrderBookSnapshot']);

export function isEventFrame(frame: InboundFrame): frame is EventFrame {
  return EVENT_TYPES.has(frame.type);
}

/**
 * Parses one text frame. Events must carry a string `symbol` and an integer `seq`, which is all the
 * SDK relies on for routing and gap detection; other fields pass through untouched.
 */
export function parseInboundFrame(data: unknown): InboundFrame {
  if (typeof data !== 'string') throw new ProtocolError('binary frame where a JSON text frame was expected', '[binary]');
  let frame: unknown;
  try {
    frame = JSON.parse(data);
  } catch {
    throw new ProtocolError('frame is not JSON', data.slice(0, 500));
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) throw new ProtocolError('frame is not a JSON object', data.slice(0, 500));
  const type = (frame as { type?: unknown }).type;
  if (typeof type !== 'string') throw new ProtocolError('frame has no string "type"', data.slice(0, 500));
  if (EVENT_TYPES.has(type)) {
    const { symbol, seq } = frame as { symbol?: unknown; seq?: unknown };
    if (typeof symbol !== 'string' || !Number.isSafeInteger(seq)) {
      throw new ProtocolError(`${type} without a string symbol and an integer seq`, data.slice(0, 500));
    }
    return frame as EventFrame;
  }
  if (CONTROL_TYPES.has(type)) return frame as ControlFrame;
  throw new ProtocolError(`unknown frame type "${type.slice(0, 40)}"`, data.slice(0, 500));
}
