/** Another writer appended to this symbol's journal: this process is no longer its owner. */
export class JournalFencedError extends Error {
  readonly code = 'JOURNAL_FENCED';
  constructor(
    readonly symbol: string,
    readonly expectedLastSeq: number,
    cause?: unknown,
  ) {
    super(`journal of ${symbol} moved past seq ${expectedLastSeq}: another engine owns it now`, { cause });
    this.name = 'JournalFencedError';
  }
}

/** The append was not acknowledged (timeout, NATS down, stream error): it may or may not be stored. */
export class JournalAppendError extends Error {
  readonly code = 'JOURNAL_APPEND_FAILED';
  constructor(
    readonly symbol: string,
    cause: unknown,
  ) {
    super(`journal append for ${symbol} failed: ${(cause as Error)?.message ?? cause}`, { cause });
    this.name = 'JournalAppendError';
  }
}

/** A stored journal message that cannot be decoded: recovery stops rather than guess. */
export class JournalCorruptError extends Error {
  readonly code = 'JOURNAL_CORRUPT';
  constructor(
    readonly subject: string,
    readonly seq: number,
    reason: string,
  ) {
    super(`journal message ${subject}#${seq} is unreadable: ${reason}`);
    this.name = 'JournalCorruptError';
  }
}
