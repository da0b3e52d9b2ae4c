/**
 * Small integer codes used inside the book. Plain numeric constants (not `const enum`) because
 * SWC and isolated modules compile each file on its own.
 */
export const BUY = 0;
export const SELL = 1;
export type SideCode = typeof BUY | typeof SELL;

export const TIF_GTC = 0;
export const TIF_IOC = 1;
export const TIF_FOK = 2;
export type TifCode = typeof TIF_GTC | typeof TIF_IOC | typeof TIF_FOK;

export const STP_NONE = 0;
export const STP_EXPIRE_TAKER = 1;
export const STP_EXPIRE_MAKER = 2;
export const STP_EXPIRE_BOTH = 3;
export type StpCode = typeof STP_NONE | typeof STP_EXPIRE_TAKER | typeof STP_EXPIRE_MAKER | typeof STP_EXPIRE_BOTH;

export const STATUS_NEW = 0;
export const STATUS_PARTIALLY_FILLED = 1;
export const STATUS_FILLED = 2;
export const STATUS_CANCELED = 3;
export const STATUS_EXPIRED = 4;
export type StatusCode = 0 | 1 | 2 | 3 | 4;

export const REASON_NONE = 0;
export const REASON_USER_CANCELED = 1;
export const REASON_SELF_TRADE_PREVENTION = 2;
export const REASON_IOC_UNFILLED = 3;
export const REASON_FOK_UNFILLED = 4;
export const REASON_MARKET_UNFILLED = 5;
export type ReasonCode = 0 | 1 | 2 | 3 | 4 | 5;

/** Outcome of `OrderBook.place`: accepted, or refused before anything changed. */
export const PLACE_OK = 0;
export const PLACE_POST_ONLY_WOULD_TAKE = 1;
export const PLACE_INSUFFICIENT_LIQUIDITY = 2;
export type PlaceCode = typeof PLACE_OK | typeof PLACE_POST_ONLY_WOULD_TAKE | typeof PLACE_INSUFFICIENT_LIQUIDITY;

/** Limit used for market orders: every price crosses it. */
export const MARKET_BUY_LIMIT = Number.MAX_SAFE_INTEGER;
export const MARKET_SELL_LIMIT = 0;
