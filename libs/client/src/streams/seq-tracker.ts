/**
 * Tracks the last seq seen on each stream (one stream = one NATS subject, e.g. the trades of one
 * symbol). The contract makes seqs contiguous per subject, so anything else is a fact the
 * application must hear about: a gap (events missed) or a duplicate (seen already; dropped).
 */
export type SeqVerdict =
  | { kind: 'first' }
  | { kind: 'next' }
  | { kind: 'duplicate'; last: number }
  | { kind: 'gap'; expected: number; received: number };

export class SeqTracker {
  private readonly last = new Map<string, number>();

  /** Classifies `seq` on `stream` and, unless it is a duplicate, records it as the last seen. */
  observe(stream: string, seq: number): SeqVerdict {
    const last = this.last.get(stream);
    if (last === undefined) {
      this.last.set(stream, seq);
      return { kind: 'first' };
    }
    if (seq <= last) return { kind: 'duplicate', last };
    this.last.set(stream, seq);
    if (seq === last + 1) return { kind: 'next' };
    return { kind: 'gap', expected: last + 1, received: seq };
  }

  get(stream: string): number | undefined {
    return this.last.get(stream);
  }

  set(stream: string, seq: number): void {
    this.last.set(stream, seq);
  }

  delete(stream: string): void {
    this.last.delete(stream);
  }

  /** Forgets every stream whose key starts with `prefix`. */
  deletePrefix(prefix: string): void {
    for (const key of [...this.last.keys()]) if (key.startsWith(prefix)) this.last.delete(key);
  }

  entries(): [string, number][] {
    return [...this.last.entries()];
  }
}
