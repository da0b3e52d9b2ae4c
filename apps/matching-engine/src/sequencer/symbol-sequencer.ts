import { performance } from 'node:perf_hooks';
import type { EncodedEvent, SymbolEngine } from '@trading/order-book';
import type { EngineMetrics } from '../admin/engine-metrics.js';
import { encodeBatch, encodeEntry } from '../journal/journal-format.js';
import { decodeCommand } from '../transport/command-decoder.js';
import { decodeSnapshotRequest } from '../transport/snapshot-request.js';

/** What the sequencer needs from the outside world; small, so tests can drive it directly. */
export interface SequencerPorts {
  publish(subject: string, payload: string): void;
  /**
   * Ends a run of `publish` calls: a port that gathers them (FramedPublisher) hands them to NATS
   * now, before `onReleased` lets anything that depends on them (the watermark) go out.
   */
  flushPublishes?(): void;
  append(symbol: string, payload: string, expectedLastSeq: number): Promise<number>;
  /** The symbol can no longer be served from this process (fenced or journal failure). */
  onFailure(symbol: string, error: unknown): void;
  /** A batch's replies and events went out; `journalSeq` is now the published watermark. */
  onReleased(symbol: string, journalSeq: number, commands: number): void;
}

export interface SequencerOptions {
  readonly batchMax: number;
  readonly batchMaxBytes: number;
}

/** One reply (and the events before it) waiting for its batch to be acknowledged. */
interface ReleaseItem {
  readonly events: readonly EncodedEvent[] | undefined;
  readonly replyTo: string | undefined;
  readonly reply: string;
  readonly receivedAt: number;
}

interface Batch {
  readonly entries: string[];
  readonly items: ReleaseItem[];
  bytes: number;
  inFlight: boolean;
}

/**
 * The single-threaded sequencer of one owned symbol. A command is validated, applied at once (so
 * the next command sees its effect) and its journal entry added to the open batch; its reply and
 * events wait until JetStream has acknowledged that batch. One batch is in flight at a time, since
 * each append names the previous one's seq (fencing); meanwhile the next batch fills up.
 * Refusals change nothing and are not journaled, but their replies still leave in arrival order,
 * behind the commands received before them.
 */
export class SymbolSequencer {
  private readonly batches: Batch[] = [];
  private flushScheduled = false;
  private stopped = false;
  private failed = false;
  private paused = false;
  private readonly held: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];
  private unacked = 0;
  commandsSinceSnapshot = 0;

  constructor(
    readonly symbol: string,
    readonly engine: SymbolEngine,
    /** Stream seq of the last journal batch of this symbol: the next append must name it. */
    private lastJournalSeq: number,
    private readonly ports: SequencerPorts,
    private readonly metrics: EngineMetrics,
    private readonly options: SequencerOptions,
  ) {}

  get journalSeq(): number {
    return this.lastJournalSeq;
  }

  /** Commands applied in memory whose journal append is not acknowledged yet. */
  get journalLag(): number {
    return this.unacked;
  }

  get serving(): boolean {
    return !this.stopped && !this.failed;
  }

  handleCommand(text: string, replyTo: string | undefined, receivedAt = performance.now()): void {
    if (!this.serving) return;
    if (this.paused) {
      this.held.push(() => this.handleCommand(text, replyTo, receivedAt));
      return;
    }
    const decoded = decodeCommand(text);
    if (!decoded.ok) {
      this.metrics.countCommand('invalid');
      this.enqueueRefusal({ events: undefined, replyTo, reply: decoded.reply, receivedAt });
      return;
    }
    const ts = Date.now();
    const result = this.engine.apply(decoded.command, ts);
    const item: ReleaseItem = { events: result.events, replyTo, reply: result.replyJson, receivedAt };
    if (!result.changedState) {
      this.metrics.countCommand('refused');
      this.enqueueRefusal(item);
      return;
    }
    this.metrics.countCommand('accepted');
    const entry = encodeEntry(ts, decoded.command);
    const batch = this.openBatch(entry.length);
    batch.entries.push(entry);
    batch.bytes += entry.length + 1;
    batch.items.push(item);
    this.unacked++;
    this.commandsSinceSnapshot++;
    this.scheduleFlush();
  }

  handleSnapshotRequest(text: string, replyTo: string | undefined): void {
    if (!this.serving || replyTo === undefined) return;
    if (this.paused) {
      this.held.push(() => this.handleSnapshotRequest(text, replyTo));
      return;
    }
    const decoded = decodeSnapshotRequest(text);
    // Taken now, released in order: it then never shows state that is not yet journaled.
    const reply = decoded.ok ? JSON.stringify(this.engine.snapshot(decoded.depth)) : decoded.reply;
    this.enqueueRefusal({ events: undefined, replyTo, reply, receivedAt: performance.now() });
  }

  /** Resolves once every applied command is journaled and released. */
  whenIdle(): Promise<void> {
    if (this.batches.length === 0 || this.failed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops applying commands (they queue up), waits until the journal has everything applied so
   * far, then returns the state with the journal position it covers, and resumes.
   */
  async captureState(): Promise<{ journalSeq: number; stateJson: string }> {
    this.paused = true;
    try {
      await this.whenIdle();
      if (this.failed) throw new Error(`${this.symbol} failed while taking a snapshot`);
      const stateJson = JSON.stringify(this.engine.exportState());
      this.commandsSinceSnapshot = 0;
      return { journalSeq: this.lastJournalSeq, stateJson };
    } finally {
      this.paused = false;
      const held = this.held.splice(0);
      for (const run of held) run();
    }
  }

  /** Takes no more commands; what is already applied still gets journaled and released. */
  stop(): void {
    this.stopped = true;
  }

  private enqueueRefusal(item: ReleaseItem): void {
    const tail = this.batches[this.batches.length - 1];
    if (tail) tail.items.push(item);
    else {
      this.release(item);
      this.ports.flushPublishes?.();
    }
  }

  private openBatch(entryBytes: number): Batch {
    const tail = this.batches[this.batches.length - 1];
    if (tail && !tail.inFlight && tail.entries.length < this.options.batchMax && tail.bytes + entryBytes < this.options.batchMaxBytes) {
      return tail;
    }
    const batch: Batch = { entries: [], items: [], bytes: 16, inFlight: false };
    this.batches.push(batch);
    return batch;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.batches[0]?.inFlight) return;
    this.flushScheduled = true;
    // Let the commands already waiting in this turn of the event loop join the batch.
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const head = this.batches[0];
    if (!head || head.inFlight || this.failed) return;
    head.inFlight = true;
    const started = performance.now();
    const count = head.entries.length;
    this.ports.append(this.symbol, encodeBatch(head.entries), this.lastJournalSeq).then(
      (seq) => {
        this.metrics.journalAppendLatency.observe((performance.now() - started) / 1000);
        this.metrics.journalBatchSize.observe(count);
        this.acknowledged(head, seq);
      },
      (err: unknown) => this.fail(err),
    );
  }

  private acknowledged(batch: Batch, seq: number): void {
    if (this.failed) return;
    this.lastJournalSeq = seq;
    this.batches.shift();
    this.unacked -= batch.entries.length;
    for (const item of batch.items) this.release(item);
    this.ports.flushPublishes?.();
    this.ports.onReleased(this.symbol, seq, batch.entries.length);
    if (this.batches.length > 0) this.flush();
    else this.notifyIdle();
  }

  private release(item: ReleaseItem): void {
    if (item.events) for (const event of item.events) this.ports.publish(event.subject, event.payload);
    if (item.replyTo) this.ports.publish(item.replyTo, item.reply);
    this.metrics.replyLatency.observe((performance.now() - item.receivedAt) / 1000);
  }

  /**
   * The batch in flight may or may not be stored, and memory is ahead of the journal: nothing of
   * it is released (clients time out and retry idempotently) and the symbol is given up, to be
   * recovered from the journal by whichever instance owns it next.
   */
  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.batches.length = 0;
    this.held.length = 0;
    this.unacked = 0;
    this.notifyIdle();
    this.ports.onFailure(this.symbol, err);
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
