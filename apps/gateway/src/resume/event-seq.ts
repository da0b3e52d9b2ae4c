/**
 * The `seq` of an event's bytes. Only resume needs it (replayed and buffered events are compared
 * by seq at the switch to live), so the live hot path never parses anything.
 */
export function eventSeq(data: Uint8Array): number | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const seq = (value as { seq?: unknown }).seq;
    return typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0 ? seq : undefined;
  } catch {
    return undefined;
  }
}
