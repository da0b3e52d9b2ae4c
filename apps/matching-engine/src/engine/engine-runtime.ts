import { Inject, Injectable } from '@nestjs/common';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { SymbolEngineStats } from '@trading/order-book';
import { EngineMetrics, type SymbolRole } from '../admin/engine-metrics.js';
import type { EngineConfig } from '../config/engine-config.js';
import { JournalReader } from '../journal/journal-reader.js';
import { ensureJournalStream, JOURNAL_STREAM, journalSubject, lastJournalSeq, lastJournalSeqs } from '../journal/journal-stream.js';
import { JournalWriter } from '../journal/journal-writer.js';
import { ensureEventStreams } from '../events/event-streams.js';
import { JournalFencedError } from '../journal/journal-errors.js';
import { LeaseManager } from '../leases/lease-manager.js';
import { jittered } from '../leases/lease-timing.js';
import type { Logger } from '../logging/logger.js';
import { EngineNatsConnection } from '../nats/nats-connection.js';
import { PROGRESS_BUCKET, PublishWatermarks } from '../progress/publish-watermark.js';
import { recoverSymbol, type SymbolEngineFactory } from '../sequencer/symbol-recovery.js';
import { SymbolSequencer, type FramePorts } from '../sequencer/symbol-sequencer.js';
import { SNAPSHOT_STREAM, SnapshotStore, type StoredSnapshot } from '../snapshots/snapshot-store.js';
import { SymbolEndpoints } from '../transport/symbol-endpoints.js';
import type { SymbolSlot } from './symbol-slot.js';
import { forEachLimit } from '../util/for-each-limit.js';
import { publishText } from '../nats/publish-text.js';
import { FramedPublisher } from '../nats/framed-publisher.js';
import { FrameArena } from '../nats/frame-arena.js';
import { ENGINE_CONFIG, ENGINE_LOGGER, SYMBOL_ENGINE_FACTORY } from './tokens.js';

/** Stay under NATS's default 1 MiB max_payload with room for headers. */
const BATCH_MAX_BYTES = 900 * 1024;
/** From this many symbols taken at once, read recovery data in bulk instead of per symbol. */
const BULK_RECOVERY_THRESHOLD = 16;

interface Prefetched {
  readonly snapshots: Map<string, StoredSnapshot>;
  readonly lastSeqs: Map<string, number>;
  readonly watermarks: Map<string, number>;
}

interface Infrastructure {
  /** Commands in; events, replies, KV (leases, watermarks) and snapshots out. */
  readonly conn: EngineNatsConnection;
  /**
   * Journal appends and replay only. Its own socket, so a batch's ack is not queued behind the
   * thousands of commands waiting on the main connection (that would add their processing time to
   * every reply's latency).
   */
  readonly journalConn: EngineNatsConnection;
  readonly jsm: JetStreamManager;
  readonly writer: JournalWriter;
  /** Events and replies of released batches, framed in bulk on `conn`. */
  readonly publisher: FramedPublisher;
  /**
   * Events and replies waiting for their batch's ack, framed when the command is applied (one
   * arena for every symbol) and sent through `publisher` at release; undefined when the publisher
   * cannot frame (the sequencers then keep the strings).
   */
  readonly frames: FramePorts | undefined;
  readonly reader: JournalReader;
  readonly snapshots: SnapshotStore;
  readonly watermarks: PublishWatermarks;
  readonly leases: LeaseManager;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly nats: 'connected' | 'disconnected';
  readonly journal: 'ok' | 'unavailable';
  readonly instanceId: string;
  readonly symbols: Record<string, SymbolRole>;
}

/**
 * Owns the per-symbol lifecycle: standby -> (lease acquired) recovering -> owner -> (lease lost,
 * fenced or shutdown) back to standby. Everything that talks to NATS hangs off here.
 */
@Injectable()
export class EngineRuntime {
  private infra?: Infrastructure;
  private readonly slots = new Map<string, SymbolSlot>();
  private readonly timers: NodeJS.Timeout[] = [];
  private journalOk = false;
  private shuttingDown = false;
  private started = false;
  private connections: EngineNatsConnection[] = [];
  private acquirePassRunning = false;
  private probeJsm?: JetStreamManager;

  constructor(
    @Inject(ENGINE_CONFIG) private readonly config: EngineConfig,
    @Inject(ENGINE_LOGGER) private readonly log: Logger,
    @Inject(SYMBOL_ENGINE_FACTORY) private readonly engineFactory: SymbolEngineFactory,
    private readonly metrics: EngineMetrics,
  ) {
    for (const spec of config.symbols) {
      this.slots.set(spec.symbol, { spec, role: 'standby', lastSnapshotAt: Date.now(), snapshotInProgress: false, acquiring: false });
      metrics.setRole(spec.symbol, 'standby');
    }
    metrics.observe({
      stats: () => this.ownedStats(),
      journalLag: () => this.journalLag(),
      resendBytes: () => this.connections.reduce((sum, c) => sum + (c.resend?.keptBytes ?? 0), 0),
    });
  }

  /** Connects, prepares the journal, acquires what it can and recovers it. Resolves when serving. */
  async start(): Promise<void> {
    const name = `matching-engine ${this.config.instanceId}`;
    const [conn, journalConn] = await Promise.all([
      EngineNatsConnection.open(this.config.natsServers, name, this.log, this.config.natsAuth),
      EngineNatsConnection.open(this.config.natsServers, `${name} journal`, this.log, this.config.natsAuth),
    ]);
    this.connections = [conn, journalConn];
    const infra = await this.prepareInfrastructure(conn, journalConn);
    if (this.shuttingDown) return;
    this.infra = infra;
    this.journalOk = true;
    this.started = true;
    infra.leases.start({
      onLost: (symbol, reason, cause) => {
        this.stepDown(symbol, reason, 'forget');
        // Not renewed in time (JetStream unreachable): the key still names this instance, so
        // tryAcquire takes it back as soon as JetStream answers, or creates it once it aged out.
        if (cause === 'unrenewed') this.retakeSoon(symbol);
      },
      onReleased: (symbol) => void this.tryOwn(symbol),
    });
    await this.acquireStandbys();
    const standbyInterval = Math.max(100, Math.floor(this.config.leaseTtlMs / 3));
    this.timers.push(setInterval(() => void this.acquireStandbys(), standbyInterval));
    this.timers.push(setInterval(() => this.snapshotDue(), Math.min(1000, this.config.snapshotIntervalMs)));
    this.timers.push(setInterval(() => void this.flushWatermarks(), this.config.progressIntervalMs));
  }

  /** Retries until JetStream answers: a missing journal is a "not ready", not a crash. */
  private async prepareInfrastructure(conn: EngineNatsConnection, journalConn: EngineNatsConnection): Promise<Infrastructure> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { config } = this;
        const jsm = await ensureJournalStream(conn.nc, { maxAgeSeconds: config.journalStreamMaxAgeSeconds, replicas: config.journalReplicas });
        // Before any symbol is owned: every event this process publishes must be retained for resume.
        await ensureEventStreams(jsm, { maxAgeMs: config.eventsMaxAgeMs, maxBytes: config.eventsMaxBytes, replicas: config.eventsReplicas }, this.log);
        const [snapshots, watermarks, leases] = await Promise.all([
          SnapshotStore.open(conn.nc, config.journalReplicas),
          PublishWatermarks.open(conn.nc, config.journalReplicas),
          LeaseManager.open(conn.nc, config.instanceId, config.leaseTtlMs, config.journalReplicas, this.log),
        ]);
        const publisher = new FramedPublisher(conn.nc);
        const arena = new FrameArena();
        return {
          conn,
          journalConn,
          jsm,
          writer: new JournalWriter(journalConn.nc, config.journalAppendTimeoutMs),
          publisher,
          frames: publisher.framing
            ? { add: (run, subject, payload) => arena.add(run, subject, payload), cut: (run) => arena.cut(run), send: (frames) => publisher.sendFrames(frames) }
            : undefined,
          reader: new JournalReader(journalConn.nc),
          snapshots,
          watermarks,
          leases,
        };
      } catch (err) {
        if (this.shuttingDown) throw err;
        this.log.error({ err: (err as Error).message, attempt }, 'journal/JetStream not usable yet; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 250 * attempt)));
      }
    }
  }

  private async acquireStandbys(): Promise<void> {
    // One pass at a time: a slow start (thousands of symbols) must not stack passes on the timer.
    if (this.acquirePassRunning) return;
    this.acquirePassRunning = true;
    try {
      await this.acquirePass();
    } finally {
      this.acquirePassRunning = false;
    }
  }

  private async acquirePass(): Promise<void> {
    if (!this.journalOk) await this.recheckJournal();
    const standbys = [...this.slots.values()].filter((slot) => slot.role === 'standby' && !slot.acquiring);
    const acquired: SymbolSlot[] = [];
    // Lease requests are small KV writes: many can be in flight at once.
    await forEachLimit(standbys, Math.min(1024, this.config.recoveryConcurrency * 8), async (slot) => {
      if (await this.acquireLease(slot)) acquired.push(slot);
    });
    const prefetched = acquired.length >= BULK_RECOVERY_THRESHOLD ? await this.prefetch(acquired) : undefined;
    await forEachLimit(acquired, this.config.recoveryConcurrency, (slot) => this.recoverAndServe(slot, prefetched));
  }

  /** Standby -> owner if the lease is free (e.g. right after another instance released it). */
  private async tryOwn(symbol: string): Promise<void> {
    const slot = this.slots.get(symbol);
    if (slot && (await this.acquireLease(slot))) await this.recoverAndServe(slot);
  }

  /** True when this process now holds the lease; the slot is then `recovering` until recoverAndServe. */
  private async acquireLease(slot: SymbolSlot): Promise<boolean> {
    const infra = this.infra;
    if (!infra || slot.role !== 'standby' || slot.acquiring || this.shuttingDown || !this.natsConnected()) return false;
    slot.acquiring = true;
    try {
      if (await infra.leases.tryAcquire(slot.spec.symbol)) {
        this.setRole(slot, 'recovering');
        return true;
      }
    } catch (err) {
      this.log.warn({ symbol: slot.spec.symbol, err: (err as Error).message }, 'lease request failed');
    }
    slot.acquiring = false;
    return false;
  }

  /**
   * Snapshot, journal end and watermark of many symbols in three bulk reads, taken after their
   * leases are held. Missing keys mean "none". Any failure falls back to per-symbol reads.
   */
  private async prefetch(slots: SymbolSlot[]): Promise<Prefetched | undefined> {
    const infra = this.infra!;
    const started = Date.now();
    try {
      const js = jetstream(infra.journalConn.nc);
      const symbols = slots.map((slot) => slot.spec.symbol);
      const [snapshots, lastSeqs, watermarks] = await Promise.all([
        infra.snapshots.loadMany(symbols),
        lastJournalSeqs(js),
        infra.watermarks.readMany(jetstream(infra.conn.nc)),
      ]);
      this.log.info({ symbols: symbols.length, snapshots: snapshots.size, ms: Date.now() - started }, 'recovery data prefetched');
      return { snapshots, lastSeqs, watermarks };
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'bulk prefetch failed; recovering symbol by symbol');
      return undefined;
    }
  }

  /** Recover from snapshot + journal, then subscribe. On any failure: give the lease back, stay standby. */
  private async recoverAndServe(slot: SymbolSlot, prefetched?: Prefetched): Promise<void> {
    const infra = this.infra!;
    const symbol = slot.spec.symbol;
    try {
      const started = Date.now();
      if (slot.retakeUntil !== undefined) await this.probeRecoveryStreams(symbol);
      const recovered = await recoverSymbol(slot.spec, this.engineFactory, {
        loadSnapshot: async (s) => (prefetched ? prefetched.snapshots.get(s) : infra.snapshots.load(s)),
        lastJournalSeq: async (s) => (prefetched ? (prefetched.lastSeqs.get(s) ?? 0) : lastJournalSeq(infra.jsm, s)),
        publishedWatermark: async (s) => (prefetched ? (prefetched.watermarks.get(s) ?? 0) : infra.watermarks.read(s)),
        replay: (s, after, until, onBatch) => infra.reader.replay(s, after, until, onBatch),
        // Republished events go out on the journal connection, flow controlled, so that lease
        // renewals on the main one never wait behind a long republish (see symbol-recovery.ts).
        // recoverSymbol returns only once the server has them all: live events come after.
        publish: (subject, payload) => publishText(infra.journalConn.nc, subject, payload),
        flushPublished: () => infra.journalConn.nc.flush(),
      });
      if (this.shuttingDown || !infra.leases.holds(symbol)) {
        this.setRole(slot, 'standby');
        await infra.leases.release(symbol);
        return;
      }
      this.metrics.republishedEvents.inc(recovered.republishedEvents);
      if (recovered.republishedEvents > 0) infra.watermarks.note(symbol, recovered.journalSeq);
      const sequencer: SymbolSequencer = new SymbolSequencer(
        symbol,
        recovered.engine,
        recovered.journalSeq,
        {
          publish: (subject, payload) => infra.publisher.publish(subject, payload),
          frames: infra.frames,
          flushPublishes: () => infra.publisher.flush(),
          maxPayload: () => infra.conn.nc.info?.max_payload,
          // While the lease is held, a batch nobody received ("no responders": a stream leader election)
          // waits for the new leader rather than failing the symbol. Only for this sequencer: once the
          // symbol stepped down (and maybe was retaken by a new one), its old batch must not land late.
          append: (s, payload, expected): Promise<number> =>
            infra.writer.append(s, payload, expected, () => !this.shuttingDown && slot.sequencer === sequencer && infra.leases.holds(s)),
          onFailure: (s, err) => this.onSequencerFailure(s, err),
          onReleased: (s, seq) => {
            infra.watermarks.note(s, seq);
            if (sequencer.commandsSinceSnapshot >= this.config.snapshotIntervalCommands) void this.snapshot(slot);
          },
        },
        this.metrics,
        { batchMax: this.config.journalBatchMax, batchMaxBytes: BATCH_MAX_BYTES },
      );
      // Replayed commands are not in the snapshot yet: count them, so the next (or shutdown) snapshot covers them.
      sequencer.commandsSinceSnapshot = recovered.replayedCommands;
      slot.sequencer = sequencer;
      slot.lastSnapshotAt = Date.now();
      slot.endpoints = new SymbolEndpoints(infra.conn.nc, sequencer, (err) =>
        this.log.error({ symbol, err: (err as Error)?.message }, 'unexpected error handling a request'),
      );
      // Say "owner" (role, /readyz, metrics) only once nats-server has our SUBs: a client that saw
      // the new owner must not get "no responders". If NATS is down the flush fails: serve anyway.
      await infra.conn.nc.flush().catch(() => undefined);
      if (slot.sequencer !== sequencer) return; // stepped down while flushing
      this.setRole(slot, 'owner');
      this.log.info(
        {
          symbol,
          journalSeq: recovered.journalSeq,
          snapshotSeq: recovered.snapshotSeq,
          replayedCommands: recovered.replayedCommands,
          republishedEvents: recovered.republishedEvents,
          ms: Date.now() - started,
        },
        'owner of symbol',
      );
    } catch (err) {
      this.setRole(slot, 'standby');
      // During a retake (JetStream briefly unavailable) keep the still-valid lease and try again soon;
      // otherwise give it back so another instance can try.
      const retrying = slot.retakeUntil !== undefined && Date.now() < slot.retakeUntil && infra.leases.holds(symbol) && !this.shuttingDown;
      this.log.error({ symbol, err: (err as Error).message, retrying }, 'could not take symbol over; staying standby');
      if (!retrying) await infra.leases.release(symbol);
    } finally {
      slot.acquiring = false;
    }
    if (slot.role === 'owner') slot.retakeUntil = undefined;
    else if (slot.retakeUntil !== undefined) this.scheduleRetake(slot);
  }

  /**
   * After a transient loss: try to own the symbol again every retryBase..2x retryBase ms for a
   * while, instead of waiting for the standby timer (a third of the TTL) with long request timeouts.
   */
  private retakeSoon(symbol: string): void {
    const slot = this.slots.get(symbol);
    if (!slot || this.shuttingDown) return;
    // Long enough for JetStream's leader elections (meta and stream) after a node loss; a symbol whose
    // recovery keeps failing for other reasons is given back after it.
    slot.retakeUntil = Date.now() + Math.max(30_000, 3 * this.config.leaseTtlMs);
    slot.retakeAttempts = 0;
    this.scheduleRetake(slot);
  }

  private scheduleRetake(slot: SymbolSlot): void {
    const infra = this.infra;
    if (!infra || slot.retakeTimer || this.shuttingDown) return;
    if (slot.role !== 'standby' || slot.retakeUntil === undefined || Date.now() >= slot.retakeUntil) {
      slot.retakeUntil = undefined;
      // Out of time: the lease, if still held, is given back; the standby timer keeps trying.
      if (slot.role === 'standby' && infra.leases.holds(slot.spec.symbol)) void infra.leases.release(slot.spec.symbol);
      return;
    }
    // Quick at first (an election is usually over in a second or two), then backing off to 1 s.
    const attempts = (slot.retakeAttempts = (slot.retakeAttempts ?? 0) + 1);
    const delay = jittered(Math.min(1000, infra.leases.timing.retryBaseMs * 2 ** Math.min(attempts - 1, 10)));
    slot.retakeTimer = setTimeout(() => {
      slot.retakeTimer = undefined;
      // An attempt already running (standby timer) reschedules when it ends; otherwise keep the chain going.
      if (slot.acquiring) return;
      void this.tryOwn(slot.spec.symbol).finally(() => {
        if (slot.role === 'standby' && !slot.acquiring) this.scheduleRetake(slot);
      });
    }, delay);
  }

  /**
   * Before a retake's recovery: do the journal, snapshot and watermark streams answer (have a leader) right now?
   * Recovery's own reads wait the full JetStream timeout (5 s) for a request lost in an election;
   * this probe fails within the lease request timeout instead, and the retake simply tries again.
   */
  private async probeRecoveryStreams(symbol: string): Promise<void> {
    const infra = this.infra!;
    this.probeJsm ??= await jetstreamManager(infra.journalConn.nc, { timeout: infra.leases.timing.requestTimeoutMs, checkAPI: false });
    await Promise.all([
      this.probeJsm.streams.getMessage(JOURNAL_STREAM, { last_by_subj: journalSubject(symbol) }),
      this.probeJsm.streams.getMessage(SNAPSHOT_STREAM, { last_by_subj: `snapshots.head.${symbol}` }),
      this.probeJsm.streams.getMessage(`KV_${PROGRESS_BUCKET}`, { last_by_subj: `$KV.${PROGRESS_BUCKET}.${symbol}` }),
    ]);
  }

  /** After an append failure: is the journal stream there and answering again? */
  private async recheckJournal(): Promise<void> {
    const infra = this.infra;
    if (!infra || !infra.conn.connected) return;
    try {
      await ensureJournalStream(infra.conn.nc, { maxAgeSeconds: this.config.journalStreamMaxAgeSeconds, replicas: this.config.journalReplicas });
      this.journalOk = true;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'journal still unusable');
    }
  }

  private onSequencerFailure(symbol: string, err: unknown): void {
    const fenced = err instanceof JournalFencedError;
    // Fenced is a normal handover; any other append failure means the journal is not usable now.
    if (!fenced) this.journalOk = false;
    this.metrics.journalFailures.inc({ reason: fenced ? 'fenced' : 'append_failed' });
    this.log.error({ symbol, err: (err as Error).message, fenced }, 'journal append failed; stepping down for this symbol');
    if (fenced) {
      // The lease is someone else's.
      this.stepDown(symbol, (err as Error).message, 'forget');
      return;
    }
    // A timeout or "no responders" while JetStream elects a leader: memory may be ahead of the journal,
    // so the symbol is rebuilt from the journal, by this process, under the lease it still holds
    // (the renewal gives it up if JetStream stays away for the TTL). Fencing still guards the append.
    this.stepDown(symbol, (err as Error).message, 'keep');
    this.retakeSoon(symbol);
  }

  private stepDown(symbol: string, reason: string, lease: 'forget' | 'release' | 'keep'): void {
    const slot = this.slots.get(symbol);
    if (!slot || slot.role === 'standby') return;
    this.log.warn({ symbol, reason }, 'no longer owner of symbol');
    slot.endpoints?.close();
    slot.sequencer?.stop();
    slot.endpoints = undefined;
    slot.sequencer = undefined;
    this.infra?.watermarks.forget(symbol);
    this.setRole(slot, 'standby');
    if (lease === 'release') void this.infra?.leases.release(symbol);
    else if (lease === 'forget') this.infra?.leases.forget(symbol);
  }

  private snapshotDue(): void {
    const now = Date.now();
    for (const slot of this.slots.values()) {
      const seq = slot.sequencer;
      if (!seq || slot.snapshotInProgress || seq.commandsSinceSnapshot === 0) continue;
      if (seq.commandsSinceSnapshot >= this.config.snapshotIntervalCommands || now - slot.lastSnapshotAt >= this.config.snapshotIntervalMs) {
        void this.snapshot(slot);
      }
    }
  }

  private async snapshot(slot: SymbolSlot): Promise<void> {
    const sequencer = slot.sequencer;
    const infra = this.infra;
    if (!sequencer || !infra || slot.snapshotInProgress) return;
    slot.snapshotInProgress = true;
    try {
      const { journalSeq, stateJson } = await sequencer.captureState();
      await infra.snapshots.save(slot.spec.symbol, journalSeq, stateJson);
      slot.lastSnapshotAt = Date.now();
      this.metrics.snapshots.inc({ result: 'saved' });
      this.log.debug({ symbol: slot.spec.symbol, journalSeq, bytes: stateJson.length }, 'snapshot saved');
    } catch (err) {
      this.metrics.snapshots.inc({ result: 'failed' });
      this.log.warn({ symbol: slot.spec.symbol, err: (err as Error).message }, 'snapshot failed; the journal still has everything');
    } finally {
      slot.snapshotInProgress = false;
    }
  }

  private async flushWatermarks(): Promise<void> {
    try {
      await this.infra?.watermarks.flush();
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'watermark flush failed; recovery will republish a little more');
    }
  }

  private setRole(slot: SymbolSlot, role: SymbolRole): void {
    slot.role = role;
    this.metrics.setRole(slot.spec.symbol, role);
  }

  private *ownedStats(): Iterable<SymbolEngineStats> {
    for (const slot of this.slots.values()) if (slot.sequencer) yield slot.sequencer.engine.stats;
  }

  private journalLag(): number {
    let lag = 0;
    for (const slot of this.slots.values()) lag += slot.sequencer?.journalLag ?? 0;
    return lag;
  }

  private natsConnected(): boolean {
    return this.connections.length > 0 && this.connections.every((c) => c.connected);
  }

  readiness(): ReadinessReport {
    const symbols: Record<string, SymbolRole> = {};
    let settled = true;
    for (const [symbol, slot] of this.slots) {
      symbols[symbol] = slot.role;
      if (slot.role === 'recovering') settled = false;
    }
    const natsUp = this.natsConnected();
    const journal = this.journalOk ? 'ok' : 'unavailable';
    return {
      ready: this.started && !this.shuttingDown && natsUp && journal === 'ok' && settled,
      nats: natsUp ? 'connected' : 'disconnected',
      journal,
      instanceId: this.config.instanceId,
      symbols,
    };
  }

  /**
   * Graceful stop: take no more commands, let the journal acknowledge what is applied, snapshot,
   * save the watermark, hand the leases back (a standby takes over at once) and drain NATS.
   */
  async shutdown(): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const timer of this.timers) clearInterval(timer);
    for (const slot of this.slots.values()) clearTimeout(slot.retakeTimer);
    const infra = this.infra;
    if (!infra) return;
    const owned = [...this.slots.values()].filter((slot) => slot.sequencer);
    for (const slot of owned) {
      slot.endpoints?.close();
      slot.sequencer!.stop();
    }
    await Promise.all(owned.map((slot) => slot.sequencer!.whenIdle()));
    const changed = owned.filter((slot) => slot.sequencer!.commandsSinceSnapshot > 0);
    await forEachLimit(changed, this.config.recoveryConcurrency, (slot) => this.snapshot(slot));
    // Everything owned was just snapshotted, so the snapshot covers what the watermark would say.
    await this.flushWatermarks();
    infra.leases.stop();
    // Also leases kept through a retake that had not finished: a standby takes them at once.
    const held = [...this.slots.values()].filter((slot) => infra.leases.holds(slot.spec.symbol));
    await forEachLimit(held, this.config.recoveryConcurrency * 4, (slot) => infra.leases.release(slot.spec.symbol));
    for (const slot of owned) {
      slot.sequencer = undefined;
      slot.endpoints = undefined;
      this.setRole(slot, 'standby');
    }
    // Main first: its drain flushes the last replies and events.
    await infra.conn.drain();
    await infra.journalConn.drain();
    this.log.info({ symbols: owned.length }, 'engine stopped');
  }
}
