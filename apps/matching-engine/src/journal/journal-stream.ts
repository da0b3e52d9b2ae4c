import { jetstreamManager, JetStreamApiError, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { lastPerSubject } from '../util/last-per-subject.js';
import type { NatsConnection } from '@nats-io/transport-node';
import { isSymbol } from '@trading/contracts';

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

/** Stream seq of the newest journal message of `symbol` (0 when it has none): the fencing baseline. */
export async function lastJournalSeq(jsm: JetStreamManager, symbol: string): Promise<number> {
  try {
    const msg = await jsm.streams.getMessage(JOURNAL_STREAM, { last_by_subj: journalSubject(symbol) });
    return msg?.seq ?? 0;
  } catch (err) {
    if (err instanceof JetStreamApiError && err.code === 10037) return 0;
    throw err;
  }
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
