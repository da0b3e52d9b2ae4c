import { jetstreamManager, JetStreamApiError, type JetStreamClient, type JetStreamManager, type StoredMsg } from '@nats-io/jetstream';
import { lastPerSubject } from '../util/last-per-subject.js';
import type { NatsConnection } from '@nats-io/transport-node';
import { isSymbol } from '@trading/contracts';
import { connectionOf, quickManager, readWithRetry, RECOVERY_READ_ATTEMPT_MS, type RecoveryReadOptions, type RecoveryReadStats } from '../sequencer/recovery-read.js';

export const JOURNAL_STREAM = 'TRADING_JOURNAL';
export const JOURNAL_SUBJECT_PREFIX = 'journal.';

export const journalSubject = (symbol: string): string => `${JOURNAL_SUBJECT_PREFIX}${symbol}`;

export function symbolOfJournalSubject(subject: string): string | undefined {
  if (!subject.startsWith(JOURNAL_SUBJECT_PREFIX)) return undefined;
  const symbol = subject.slice(JOURNAL_SUBJECT_PREFIX.length);
  return isSymbol(symbol) ? symbol : undefined;
}

export interface JournalStreamOptions {
  readonly maxAgeSeconds: number;
  readonly replicas: number;
}

/** Creates the journal stream if missing (file storage: the journal is the system of record). */
export async function ensureJournalStream(nc: NatsConnection, options: JournalStreamOptions): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(JOURNAL_STREAM);
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== 10059) throw err;
    await jsm.streams.add({
      name: JOURNAL_STREAM,
      subjects: [`${JOURNAL_SUBJECT_PREFIX}>`],
      storage: 'file' as never,
      num_replicas: options.replicas,
      max_age: options.maxAgeSeconds * 1_000_000_000,
      // Never drop new writes silently: a full journal must refuse appends, not forget history.
      discard: 'new' as never,
    });
  }
  return jsm;
}

export interface LastJournalSeqOptions extends RecoveryReadOptions {
  /**
   * Wraps each attempt of the read (tests make it fail or hang the first N times). `attempt` is
   * the real STREAM.MSG.GET: its StoredMsg, or null when the leader says the subject has none.
   */
  readonly wrapAttempt?: (symbol: string, attempt: () => Promise<StoredMsg | null>) => Promise<StoredMsg | null>;
  readonly stats?: RecoveryReadStats;
}

/**
 * Stream seq of the newest journal message of `symbol` (0 when it has none): the fencing baseline.
 * Asked of the stream's leader with a short timeout per attempt and quick retries (see
 * recovery-read.ts), so a leader election costs about its own length. 0 only when the leader
 * answered "no message"; no answer within the budget rejects (RecoveryReadError).
 */
export async function lastJournalSeq(jsm: JetStreamManager, symbol: string, options: LastJournalSeqOptions = {}): Promise<number> {
  const attemptMs = options.attemptTimeoutMs ?? RECOVERY_READ_ATTEMPT_MS;
  const nc = connectionOf(jsm);
  const get = async (): Promise<StoredMsg | null> => {
    const quick = nc ? await quickManager(nc, attemptMs) : jsm;
    // nats.js turns the leader's "no message found" (10037) into null; everything else throws.
    return quick.streams.getMessage(JOURNAL_STREAM, { last_by_subj: journalSubject(symbol) });
  };
  const wrap = options.wrapAttempt;
  const msg = await readWithRetry(`last journal seq of ${symbol}`, wrap ? () => wrap(symbol, get) : get, options, options.stats);
  return msg?.seq ?? 0;
}

/** Last journal seq of every symbol at once (one headers-only consumer), for starting many symbols. */
export async function lastJournalSeqs(js: JetStreamClient): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const [subject, msg] of await lastPerSubject(js, JOURNAL_STREAM, `${JOURNAL_SUBJECT_PREFIX}>`, true)) {
    const symbol = symbolOfJournalSubject(subject);
    if (symbol) out.set(symbol, msg.seq);
  }
  return out;
}
