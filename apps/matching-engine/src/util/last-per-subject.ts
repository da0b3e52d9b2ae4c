import { DeliverPolicy, type JetStreamClient } from '@nats-io/jetstream';

export interface LastMessage {
  readonly seq: number;
  readonly data: Uint8Array;
}

/**
 * The newest message of every subject matching `filter` in one pass of an ordered consumer
 * (deliver policy last_per_subject). Starting thousands of symbols this way costs one consumer
 * instead of one JetStream API request (or consumer) per symbol.
 */
export async function lastPerSubject(js: JetStreamClient, stream: string, filter: string, headersOnly = false): Promise<Map<string, LastMessage>> {
  const out = new Map<string, LastMessage>();
  const consumer = await js.consumers.get(stream, {
    filter_subjects: filter,
    deliver_policy: DeliverPolicy.LastPerSubject,
    headers_only: headersOnly,
  });
  const info = await consumer.info(true);
  if (info.num_pending === 0) return out;
  const messages = await consumer.consume({ max_messages: 1024 });
  try {
    for await (const msg of messages) {
      out.set(msg.subject, { seq: msg.seq, data: msg.data });
      if (msg.info.pending === 0) break;
    }
  } finally {
    await messages.close();
  }
  return out;
}
