import { eventSeq } from './event-seq.js';

const QUOTE = 0x22;
const PATTERN = [0x22, 0x73, 0x65, 0x71, 0x22, 0x3a]; // "seq":
/** The engine writes `{"type":..,"symbol":..,"seq":N,...`: seq sits in the first bytes. */
const SCAN_LIMIT = 128;

/**
 * The `seq` of an event without parsing it: a scan of its first bytes for `"seq":` (where the
 * engine's encoder puts it), falling back to JSON.parse for other layouts. Used on the live path to
 * remember the last seq forwarded per subject, so a NATS reconnect can be caught up from JetStream.
 */
export function fastSeq(data: Uint8Array): number | undefined {
  const end = Math.min(data.length - PATTERN.length, SCAN_LIMIT);
  outer: for (let i = 1; i < end; i++) {
    if (data[i] !== QUOTE) continue;
    for (let k = 1; k < PATTERN.length; k++) if (data[i + k] !== PATTERN[k]) continue outer;
    let j = i + PATTERN.length;
    let value = 0;
    let digits = 0;
    while (j < data.length && data[j] >= 0x30 && data[j] <= 0x39 && digits < 16) {
      value = value * 10 + (data[j] - 0x30);
      j++;
      digits++;
    }
    return digits > 0 ? value : undefined;
  }
  return eventSeq(data);
}
