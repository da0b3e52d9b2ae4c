import { JetStreamApiError, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { EVENT_STREAMS, type EventStreamSpec } from '@trading/contracts';
import type { Logger } from '../logging/logger.js';

export interface EventRetention {
  readonly maxAgeMs: number;
  readonly maxBytes: number;
  readonly replicas: number;
}

/** JetStream "stream not found" and "stream name already in use" (a concurrent creator won). */
const STREAM_NOT_FOUND = 10059;
const STREAM_NAME_IN_USE = 10058;

/**
 * Creates or updates the streams that retain published events for resume (issue 7). Idempotent:
 * every engine (owner or standby) and the dev stack run it at start. The engine keeps publishing
 * with core NATS; the streams capture those messages, so nothing in the hot path waits for them.
 * `discard: old` because this is a window: the oldest events make room, unlike the journal.
 */
export async function ensureEventStreams(jsm: JetStreamManager, retention: EventRetention, log?: Logger): Promise<void> {
  for (const spec of EVENT_STREAMS) await ensureOne(jsm, spec, retention, log);
}

function wanted(spec: EventStreamSpec, retention: EventRetention): Partial<StreamConfig> & { name: string } {
  return {
    name: spec.name,
    subjects: [...spec.subjects],
    storage: 'file' as never,
    retention: 'limits' as never,
    discard: 'old' as never,
    num_replicas: retention.replicas,
    max_age: retention.maxAgeMs * 1_000_000,
    max_bytes: retention.maxBytes,
    // Resume reads single messages by subject; direct get lets any replica answer them.
    allow_direct: true,
  };
}

async function ensureOne(jsm: JetStreamManager, spec: EventStreamSpec, retention: EventRetention, log?: Logger): Promise<void> {
  const config = wanted(spec, retention);
  let current;
  try {
    current = (await jsm.streams.info(spec.name)).config;
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== STREAM_NOT_FOUND) throw err;
    try {
      await jsm.streams.add(config);
      log?.info({ stream: spec.name, maxAgeMs: retention.maxAgeMs, maxBytes: retention.maxBytes }, 'event stream created');
      return;
    } catch (addErr) {
      if (!(addErr instanceof JetStreamApiError) || addErr.code !== STREAM_NAME_IN_USE) throw addErr;
      current = (await jsm.streams.info(spec.name)).config;
    }
  }
  const differs =
    current.max_age !== config.max_age ||
    current.max_bytes !== config.max_bytes ||
    current.num_replicas !== config.num_replicas ||
    current.discard !== config.discard ||
    current.allow_direct !== true ||
    spec.subjects.some((s) => !current.subjects?.includes(s));
  if (!differs) return;
  await jsm.streams.update(spec.name, { ...current, ...config } as StreamConfig);
  log?.info({ stream: spec.name, maxAgeMs: retention.maxAgeMs, maxBytes: retention.maxBytes }, 'event stream updated');
}
