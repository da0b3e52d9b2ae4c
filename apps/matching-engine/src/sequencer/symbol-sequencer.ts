import { performance } from 'node:perf_hooks';
import type { EncodedEvent, SymbolEngine } from '@trading/order-book';
import type { EngineMetrics } from '../admin/engine-metrics.js';
import { encodeBatch, encodeEntry } from '../journal/journal-format.js';
import { decodeCommand } from '../transport/command-decoder.js';
import { FrameRun, type PendingMessage } from '../nats/frame-arena.js';
import { decodeSnapshotRequest } from '../transport/snapshot-request.js';
import { DEFAULT_MAX_PAYLOAD, encodeSnapshotReply } from '../transport/snapshot-reply.js';

/** What the sequencer needs from the outside world; small, so tests can drive it directly. */
export interface SequencerPorts {
  publish(subject: string, payload: string): void;
  /**
   * Optional: writes the messages that wait for a batch's ack as NATS frames right away
   * (`FrameArena`) and sends those bytes at release. Without it they are kept as strings and
   * `publish`ed one by one at release.
   */
  frames?: FramePorts;
  /**
   * Ends a run of `publish` calls: a port that gathers them (FramedPublisher) hands them to NATS
   * now, before `onReleased` lets anything that depends on them (the watermark) go out.
   */
  flushPublishes?(): void;
  append(symbol: string, payload: string, expectedLastSeq: number): Promise<number>;
  /** Largest payload one NATS message may carry (the server's max_payload); 1 MiB when unknown. */
  maxPayload?(): number | undefined;
  /** The symbol can no longer be served from this process (fenced or journal failure). */
  onFailure(symbol: string, error: unknown): void;
  /** A batch's replies and events went out; `journalSeq` is now the published watermark. */
  onReleased(symbol: string, journalSeq: number, commands: number): void;
}

export interface FramePorts {
  add(run: FrameRun, subject: string, payload: string): void;
  cut(run: FrameRun): void;
  /** Sends frames `add` wrote, after everything `publish`ed so far. */
  send(frames: Uint8Array): void;
}

/** Without frame ports: the run keeps each message as it is, for `publish` at release. */
const KEEP_MESSAGES: FramePorts = {
  add: (run, subject, payload) => void run.parts.push({ subject, payload }),
  cut: () => undefined,
  send: () => {
    throw new Error('no frames without frame ports');
  },
};

export interface SequencerOptions {
  readonly batchMax: number;
  readonly batchMaxBytes: number;
}

/**
 * A batch of journal entries and what its ack releases: the events and replies of its commands and
 * of the refusals that arrived while it was the newest batch, in arrival order, already framed
 * when the frame ports are there (nothing but bytes and numbers then waits for the ack).
 */
interface Batch {
  /** Journal entries; emptied once the batch is sent (`count` keeps their number). */
  entries: string[];
  count: number;
  readonly run: FrameRun;
  /** performance.now() at arrival of each reply the batch releases (reply latency metric). */
  readonly receivedAt: number[];
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
  /** Accepted commands applied since this sequencer took over: the book state's version. */
  private stateVersion = 0;
  /**
   * The last snapshot reply, reused while the state has not changed: after a NATS reconnect every
   * gateway asks for the same whole book at once, and a deep book costs milliseconds to encode.
   */
  private lastSnapshot?: { version: number; depth: number | undefined; maxPayload: number; reply: string };

  constructor(
    readonly symbol: string,
    readonly engine: SymbolEngine,
    /** Stream seq of the last journal batch of this symbol: the next append must name it. */
    private lastJournalSeq: number,
    private readonly ports: SequencerPorts,
    private readonly metrics: EngineMetrics,
    private readonly options: SequencerOptions,
  ) {
    this.frames = ports.frames ?? KEEP_MESSAGES;
  }

  private readonly frames: FramePorts;

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
      this.enqueueRefusal(undefined, replyTo, decoded.reply, receivedAt);
      return;
    }
    const ts = Date.now();
    const result = this.engine.apply(decoded.command, ts);
    if (!result.changedState) {
      this.metrics.countCommand('refused');
      this.enqueueRefusal(result.events, replyTo, result.replyJson, receivedAt);
      return;
    }
    this.metrics.countCommand('accepted');
    this.stateVersion++;
    const entry = encodeEntry(ts, decoded.command);
    const batch = this.openBatch(entry.length);
    batch.entries.push(entry);
    batch.count++;
    batch.bytes += entry.length + 1;
    this.addToRun(batch, result.events, replyTo, result.replyJson, receivedAt);
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
    const reply = decoded.ok ? this.snapshotReply(decoded.depth) : decoded.reply;
    this.enqueueRefusal(undefined, replyTo, reply, performance.now());
  }

  private snapshotReply(depth: number | undefined): string {
    const maxPayload = this.ports.maxPayload?.() ?? DEFAULT_MAX_PAYLOAD;
    const last = this.lastSnapshot;
    if (last && last.version === this.stateVersion && last.depth === depth && last.maxPayload === maxPayload) return last.reply;
    const reply = encodeSnapshotReply(this.engine.snapshot(depth), maxPayload);
    this.lastSnapshot = { version: this.stateVersion, depth, maxPayload, reply };
    return reply;
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

  /** Released behind the newest batch, or at once when no batch waits. */
  private enqueueRefusal(events: readonly EncodedEvent[] | undefined, replyTo: string | undefined, reply: string, receivedAt: number): void {
    const tail = this.batches[this.batches.length - 1];
    if (tail) {
      this.addToRun(tail, events, replyTo, reply, receivedAt);
      return;
    }
    if (events) for (const event of events) this.ports.publish(event.subject, event.payload);
    if (replyTo) this.ports.publish(replyTo, reply);
    this.ports.flushPublishes?.();
    this.metrics.replyLatency.observe((performance.now() - receivedAt) / 1000);
  }

  /** The events, then the reply, of one command, to go out when `batch` is acknowledged. */
  private addToRun(batch: Batch, events: readonly EncodedEvent[] | undefined, replyTo: string | undefined, reply: string, receivedAt: number): void {
    const { frames } = this;
    if (events) for (let i = 0; i < events.length; i++) frames.add(batch.run, events[i]!.subject, events[i]!.payload);
    if (replyTo) frames.add(batch.run, replyTo, reply);
    batch.receivedAt.push(receivedAt);
  }

  private openBatch(entryBytes: number): Batch {
    const tail = this.batches[this.batches.length - 1];
    if (tail && !tail.inFlight && tail.count < this.options.batchMax && tail.bytes + entryBytes < this.options.batchMaxBytes) {
      return tail;
    }
    const batch: Batch = { entries: [], count: 0, run: new FrameRun(), receivedAt: [], bytes: 16, inFlight: false };
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
    const count = head.count;
    const payload = encodeBatch(head.entries);
    head.entries = [];
    this.ports.append(this.symbol, payload, this.lastJournalSeq).then(
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
    this.unacked -= batch.count;
    this.release(batch);
    this.ports.flushPublishes?.();
    this.ports.onReleased(this.symbol, seq, batch.count);
    if (this.batches.length > 0) this.flush();
    else this.notifyIdle();
  }

  private release(batch: Batch): void {
    const { frames, ports } = this;
    frames.cut(batch.run);
    for (const part of batch.run.parts) {
      if (part instanceof Uint8Array) frames.send(part);
      else ports.publish((part as PendingMessage).subject, (part as PendingMessage).payload);
    }
    const now = performance.now();
    for (const receivedAt of batch.receivedAt) this.metrics.replyLatency.observe((now - receivedAt) / 1000);
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
