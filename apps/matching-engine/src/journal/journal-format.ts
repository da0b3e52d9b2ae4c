import type { TradingCommand } from '@trading/contracts';

/**
 * One JetStream message holds a batch of commands of one symbol:
 *   {"v":1,"e":[[ts,{command}],[ts,{command}],...]}
 * `ts` is the epoch-ms time the sequencer assigned to the command; replay passes it back to
 * `apply`, so the replayed events are byte-identical to the published ones.
 */
export const JOURNAL_FORMAT_VERSION = 1;

export interface JournalEntry {
  readonly ts: number;
  readonly command: TradingCommand;
}

/** One entry's JSON, built once when the command is sequenced. */
export function encodeEntry(ts: number, command: TradingCommand): string {
  return `[${ts},${JSON.stringify(command)}]`;
}

export function encodeBatch(entries: readonly string[]): string {
  return `{"v":${JOURNAL_FORMAT_VERSION},"e":[${entries.join(',')}]}`;
}

export type DecodedBatch = { ok: true; entries: JournalEntry[] } | { ok: false; reason: string };

export function decodeBatch(text: string): DecodedBatch {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const batch = raw as { v?: unknown; e?: unknown };
  if (typeof raw !== 'object' || raw === null || batch.v !== JOURNAL_FORMAT_VERSION || !Array.isArray(batch.e)) {
    return { ok: false, reason: `not a version ${JOURNAL_FORMAT_VERSION} batch` };
  }
  const entries: JournalEntry[] = [];
  for (const item of batch.e as unknown[]) {
    if (!Array.isArray(item) || typeof item[0] !== 'number' || typeof item[1] !== 'object' || item[1] === null) {
      return { ok: false, reason: 'malformed entry' };
    }
    entries.push({ ts: item[0], command: item[1] as TradingCommand });
  }
  return { ok: true, entries };
}
