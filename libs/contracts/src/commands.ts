import type { CommandErrorCode } from './errors.js';
import type { OrderType, OrderUpdate, SelfTradePrevention, Side, TimeInForce } from './events.js';

/** Commands on `trading.cmd.{symbol}` (contract section 4). */
export interface PlaceCommand {
  type: 'place';
  userId: string;
  clientOrderId: string;
  side: Side;
  orderType: OrderType;
  price?: string;
  quantity: string;
  timeInForce?: TimeInForce;
  postOnly?: boolean;
  stp?: SelfTradePrevention;
}

export interface CancelCommand {
  type: 'cancel';
  userId: string;
  orderId?: string;
  clientOrderId?: string;
}

export type TradingCommand = PlaceCommand | CancelCommand;

/** The order's state after the command, with OrderUpdate's fields. */
export type OrderState = Omit<OrderUpdate, 'type' | 'seq' | 'ts'> & Partial<Pick<OrderUpdate, 'type' | 'seq' | 'ts'>>;

export interface CommandError {
  code: CommandErrorCode;
  message: string;
  /** For VALIDATION_FAILED: each bad field and what is wrong with it. */
  details?: Record<string, string>;
}

export type CommandReply = { ok: true; order: OrderState } | { ok: false; error: CommandError };
