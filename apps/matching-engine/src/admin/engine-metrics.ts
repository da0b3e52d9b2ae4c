import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SymbolEngineStats } from '@trading/order-book';
import { LatencyHistogram } from './latency-histogram.js';

export type CommandResultLabel = 'accepted' | 'refused' | 'invalid';
export type SymbolRole = 'standby' | 'recovering' | 'owner';
export const SYMBOL_ROLES: readonly SymbolRole[] = ['standby', 'recovering', 'owner'];

/** Everything /metrics shows. A private registry, so tests can build several engines in one process. */
export class EngineMetrics {
  readonly registry = new Registry();
  readonly commands: Counter<'result'>;
  readonly replyLatency: LatencyHistogram;
  readonly journalAppendLatency: Histogram;
  readonly journalBatchSize: Histogram;
  readonly journalLag: Gauge;
  readonly journalFailures: Counter<'reason'>;
  readonly snapshots: Counter<'result'>;
  readonly republishedEvents: Counter;
  readonly symbolRole: Gauge<'symbol' | 'role'>;
  private readonly restingOrders: Gauge;
  private readonly bookLevels: Gauge<'side'>;
  private statsSource: () => Iterable<SymbolEngineStats> = () => [];
  private lagSource: () => number = () => 0;
  private resendSource: () => number = () => 0;
  /** Commands counted on the hot path as plain numbers; added to `commands` when it is scraped. */
  private readonly pendingCommands: Record<CommandResultLabel, number> = { accepted: 0, refused: 0, invalid: 0 };

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.commands = new Counter({
      name: 'engine_commands_total',
      help: 'Commands handled, by result: accepted (journaled), refused (business refusal or idempotent repeat), invalid (failed validation)',
      labelNames: ['result'],
      registers,
      collect: () => {
        for (const result of ['accepted', 'refused', 'invalid'] as const) {
          const n = this.pendingCommands[result];
          if (n === 0) continue;
          this.pendingCommands[result] = 0;
          this.commands.inc({ result }, n);
        }
      },
    });
    this.replyLatency = new LatencyHistogram(
      'engine_reply_latency_seconds',
      'From command receipt to its reply being sent (includes the journal ack)',
      [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      this.registry,
    );
    this.journalAppendLatency = new Histogram({
      name: 'engine_journal_append_seconds',
      help: 'Journal batch append round trip (publish to JetStream ack)',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      registers,
    });
    this.journalBatchSize = new Histogram({
      name: 'engine_journal_batch_commands',
      help: 'Commands per journal batch',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000],
      registers,
    });
    this.journalLag = new Gauge({
      name: 'engine_journal_lag_commands',
      help: 'Commands applied in memory but not yet acknowledged by the journal',
      registers,
      collect: () => this.journalLag.set(this.lagSource()),
    });
    const resendBuffer: Gauge = new Gauge({
      name: 'engine_resend_buffer_bytes',
      help: 'Events and replies kept for a resend after a NATS reconnect (not yet confirmed by the server, or from the last second)',
      registers,
      collect: () => resendBuffer.set(this.resendSource()),
    });
    this.journalFailures = new Counter({
      name: 'engine_journal_failures_total',
      help: 'Journal appends that failed, by reason (fenced = another owner wrote the journal)',
      labelNames: ['reason'],
      registers,
    });
    this.snapshots = new Counter({ name: 'engine_snapshots_total', help: 'Snapshots saved, by result', labelNames: ['result'], registers });
    this.republishedEvents = new Counter({
      name: 'engine_republished_events_total',
      help: 'Events republished during recovery (journaled but maybe never published before a crash)',
      registers,
    });
    this.symbolRole = new Gauge({
      name: 'engine_symbol_role',
      help: '1 for the role this instance has for the symbol (owner, standby, recovering)',
      labelNames: ['symbol', 'role'],
      registers,
    });
    this.restingOrders = new Gauge({
      name: 'engine_resting_orders',
      help: 'Orders resting in the books this instance owns',
      registers,
      collect: () => {
        let total = 0;
        for (const stats of this.statsSource()) total += stats.restingOrders;
        this.restingOrders.set(total);
      },
    });
    this.bookLevels = new Gauge({
      name: 'engine_book_levels',
      help: 'Price levels in the books this instance owns, by side',
      labelNames: ['side'],
      registers,
      collect: () => {
        let bids = 0;
        let asks = 0;
        for (const stats of this.statsSource()) {
          bids += stats.bidLevels;
          asks += stats.askLevels;
        }
        this.bookLevels.set({ side: 'bid' }, bids);
        this.bookLevels.set({ side: 'ask' }, asks);
      },
    });
  }

  /** One command handled; cheap enough for every command (prom-client's inc hashes its labels). */
  countCommand(result: CommandResultLabel): void {
    this.pendingCommands[result]++;
  }

  setRole(symbol: string, role: SymbolRole): void {
    for (const r of SYMBOL_ROLES) this.symbolRole.set({ symbol, role: r }, r === role ? 1 : 0);
  }

  observe(sources: { stats: () => Iterable<SymbolEngineStats>; journalLag: () => number; resendBytes?: () => number }): void {
    this.statsSource = sources.stats;
    this.lagSource = sources.journalLag;
    if (sources.resendBytes) this.resendSource = sources.resendBytes;
  }
}
