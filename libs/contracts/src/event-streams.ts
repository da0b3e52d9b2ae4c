/**
 * JetStream streams that retain the engine's events for resume (addition to contract v1, issue 7).
 * The engine publishes with plain core NATS; these streams only capture what is published, so
 * consumers that do not care about resume see nothing new.
 */
export interface EventStreamSpec {
  readonly name: string;
  readonly subjects: readonly string[];
}

/** Private events: OrderUpdates (`trading.order.{userId}.{symbol}`). */
export const PRIVATE_EVENT_STREAM: EventStreamSpec = { name: 'TRADING_EVENTS_PRIVATE', subjects: ['trading.order.>'] };
/** Public events: trades and book deltas. */
export const PUBLIC_EVENT_STREAM: EventStreamSpec = { name: 'TRADING_EVENTS_PUBLIC', subjects: ['trading.trade.>', 'trading.book.>'] };
export const EVENT_STREAMS: readonly EventStreamSpec[] = [PRIVATE_EVENT_STREAM, PUBLIC_EVENT_STREAM];

/** The stream that retains a concrete event subject, or undefined for a subject no stream keeps. */
export function eventStreamOf(subject: string): EventStreamSpec | undefined {
  if (subject.startsWith('trading.order.')) return PRIVATE_EVENT_STREAM;
  if (subject.startsWith('trading.trade.') || subject.startsWith('trading.book.')) return PUBLIC_EVENT_STREAM;
  return undefined;
}
