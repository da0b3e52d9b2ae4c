import { CommandErrorCode, type CommandReply } from '@trading/contracts';

export const MAX_SNAPSHOT_DEPTH = 10_000;

/** `depth` undefined: the whole book (`{}` or an empty body). */
export type DecodedSnapshotRequest = { ok: true; depth: number | undefined } | { ok: false; reply: string };

function refuse(message: string, details: Record<string, string>): DecodedSnapshotRequest {
  const reply: CommandReply = { ok: false, error: { code: CommandErrorCode.VALIDATION_FAILED, message, details } };
  return { ok: false, reply: JSON.stringify(reply) };
}

/** Body of a `trading.snapshot.{symbol}` request: `{}` (or empty) for the whole book, or `{"depth":N}`. */
export function decodeSnapshotRequest(text: string): DecodedSnapshotRequest {
  if (text.trim() === '') return { ok: true, depth: undefined };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return refuse('snapshot request is not valid JSON', { body: 'must be a JSON object such as {} or {"depth":10}' });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return refuse('snapshot request must be a JSON object', { body: 'must be a JSON object such as {} or {"depth":10}' });
  }
  const details: Record<string, string> = {};
  for (const key of Object.keys(raw)) if (key !== 'depth') details[key] = `${key} is not an allowed field`;
  const depth = (raw as { depth?: unknown }).depth;
  if (depth !== undefined && (typeof depth !== 'number' || !Number.isInteger(depth) || depth < 1 || depth > MAX_SNAPSHOT_DEPTH)) {
    details.depth = `depth must be an integer from 1 to ${MAX_SNAPSHOT_DEPTH}`;
  }
  if (Object.keys(details).length > 0) return refuse(`invalid snapshot request: ${Object.keys(details).join(', ')}`, details);
  return { ok: true, depth: depth as number | undefined };
}
