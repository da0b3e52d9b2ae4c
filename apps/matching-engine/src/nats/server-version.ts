/**
 * Once the event-retention window is full, every stored event makes nats-server drop the oldest
 * one; 2.9 then reads forward to that subject's next message (removeSeqPerSubject in 2.9.10's
 * server/filestore.go; newer servers defer it).
 * With one subject per user that happens on every stored event: measured
 * at 10x nats-server CPU per command on 2.9.10 (docs/benchmarks.md, "Event-retention window full"),
 * against 1.2x on 2.10.27. The engine still works on 2.9; it says so loudly at start.
 */
export const RETENTION_SAFE_SERVER = { major: 2, minor: 10 } as const;

export interface ServerVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** "2.10.27" or "v2.9.10-beta.1" -> numbers; undefined for anything else. */
export function parseServerVersion(text: string | undefined): ServerVersion | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text ?? '');
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : undefined;
}

/** Whether a server of this version keeps a full event-retention window cheap; undefined when unknown. */
export function retentionIsCheap(version: ServerVersion | undefined): boolean | undefined {
  if (!version) return undefined;
  const { major, minor } = RETENTION_SAFE_SERVER;
  return version.major > major || (version.major === major && version.minor >= minor);
}
