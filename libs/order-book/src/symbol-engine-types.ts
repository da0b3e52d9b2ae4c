import type { CommandReply, OrderBookSnapshot, SymbolSpec, TradingCommand } from '@trading/contracts';

/**
 * The seam between the deterministic matching core (this library) and the engine service
 * (apps/matching-engine), which owns NATS, the journal, snapshots and leases.
 *
 * Determinism is the contract here: the same state plus the same (command, ts) always yields the
 * same result, byte for byte, so that state = snapshot + journal replay.
 */

/** One event ready to publish: its NATS subject and its JSON text, encoded exactly once. */
export interface EncodedEvent {
  readonly subject: string;
  readonly payload: string;
}

export interface CommandResult {
  readonly reply: CommandReply;
  /** `JSON.stringify(reply)`, encoded once. */
  readonly replyJson: string;
  /** In publish order: OrderUpdates, then TradeExecuted, then at most one OrderBookUpdate. */
  readonly events: readonly EncodedEvent[];
  /**
   * True when the command changed state and so must be journaled before its reply and events go
   * out. Refusals and idempotent repeats change nothing and need no journal entry.
   */
  readonly changedState: boolean;
}

export interface SymbolEngineStats {
  readonly restingOrders: number;
  readonly bidLevels: number;
  readonly askLevels: number;
}

/** JSON-serialisable full state of one symbol: books, counters, per-subject seqs, idempotency keys. */
export type SymbolEngineState = { readonly version: 1; readonly symbol: string } & Record<string, unknown>;

export interface SymbolEngine {
  readonly spec: SymbolSpec;
  /**
   * Applies a command that already passed DTO validation (validateCommand from @trading/contracts)
   * at journal time `ts` (epoch ms). Symbol rules (tick, lot, minimum quantity, order-type
   * combinations) are checked here and refused with VALIDATION_FAILED and per-field details.
   * Never throws for any command input. `journaled`: the command is a journal entry applied again
   * (recovery above the watermark): it was accepted under the open-orders limit of its time, so that
   * limit is not checked again (a lower limit since must not refuse what the journal holds).
   */
  apply(command: TradingCommand, ts: number, journaled?: boolean): CommandResult;
  /**
   * Recovery's fast path for journal entries whose events were already published: the same state
   * change as `apply(command, ts)` (books, counters, every per-subject seq, idempotency entries and
   * what rebuilds an idempotent retry's original reply), without encoding any event or reply.
   * Returns `changedState`. Entries whose events may not have gone out must use `apply`.
   * `validated`: the command is known to have passed DTO validation (validateCommand) already, e.g.
   * a journal entry, which is written only for an accepted command, so that check is skipped; the
   * symbol rules are checked as always. A command that would fail the DTOs must not be passed so.
   * `accepted`: the command is known to have been accepted (changedState) when it was applied in
   * exactly this state, e.g. an entry of this symbol's journal replayed in order: a place then
   * cannot be an idempotent repeat, so its (userId, clientOrderId) lookup is skipped. Passing it for
   * a command that was a repeat would place a second order under the same key.
   * After the last replayed command call `finishReplay()` (not required for correctness).
   */
  replay(command: TradingCommand, ts: number, validated?: boolean, accepted?: boolean): boolean;
  /**
   * Does now what `replay` leaves for later: indexes the keys of the orders that finished during
   * the replay, for idempotent retries (otherwise done by the first command that needs them).
   * Recovery calls it once at the end, so that the first live command does not pay for it.
   */
  finishReplay(): void;
  /** Aggregated book, best first; `seq` is the last OrderBookUpdate seq applied (0 if none). */
  snapshot(depth?: number): OrderBookSnapshot;
  exportState(): SymbolEngineState;
  readonly stats: SymbolEngineStats;
}
