import { isSymbol, isUserId, SUBJECT_ROOT } from '@trading/contracts';
import type { CliIo } from '../io.js';
import { ExitCode, UsageError } from '../errors.js';
import { integerOption, parseOptions, stringOption } from '../args/parse-options.js';
import { connectNats, resolveNatsServers } from '../nats/nats-client.js';

export type Stream = 'orders' | 'trades' | 'book';
const STREAMS: readonly Stream[] = ['orders', 'trades', 'book'];

const TAIL_OPTIONS = {
  nats: { type: 'string' },
  symbol: { type: 'string' },
  user: { type: 'string' },
  count: { type: 'string' },
} as const;

export interface TailRequest {
  stream: Stream;
  subject: string;
  /** Stop after this many messages; 0 = until Ctrl-C. */
  count: number;
  servers: string[];
}

/** Maps the stream and filters to one (possibly wildcard) contract subject. */
export function tailSubject(stream: Stream, symbol?: string, user?: string): string {
  if (symbol !== undefined && !isSymbol(symbol)) throw new UsageError(`--symbol "${symbol}" must look like BTC-USD`);
  if (user !== undefined && !isUserId(user)) throw new UsageError(`--user "${user}" must match ^[A-Za-z0-9_-]{1,64}$`);
  if (stream !== 'orders' && user !== undefined) throw new UsageError(`--user only applies to the orders stream (${stream} is public)`);
  const sym = symbol ?? '*';
  switch (stream) {
    case 'orders':
      return `${SUBJECT_ROOT}.order.${user ?? '*'}.${sym}`;
    case 'trades':
      return `${SUBJECT_ROOT}.trade.${sym}`;
    case 'book':
      return `${SUBJECT_ROOT}.book.${sym}`;
  }
}

export function parseTailArgs(args: readonly string[], env: CliIo['env']): TailRequest {
  const { values, positionals } = parseOptions(args, TAIL_OPTIONS, 1);
  const stream = positionals[0] as Stream | undefined;
  if (stream === undefined || !STREAMS.includes(stream)) {
    throw new UsageError(`tail needs a stream: tail <${STREAMS.join('|')}> [--symbol X] [--user U]`);
  }
  return {
    stream,
    subject: tailSubject(stream, stringOption(values, 'symbol'), stringOption(values, 'user')),
    count: integerOption(values, 'count', 0, 0, Number.MAX_SAFE_INTEGER),
    servers: resolveNatsServers(stringOption(values, 'nats'), env),
  };
}

/**
 * `tail <orders|trades|book> [--symbol X] [--user U] [--count N]`: a plain NATS subscription that
 * prints each event's JSON exactly as published, one per line, until Ctrl-C or N messages.
 */
export async function tail(args: readonly string[], io: CliIo): Promise<number> {
  const request = parseTailArgs(args, io.env);
  const nc = await connectNats({ servers: request.servers, name: 'trading-cli-tail', reconnectForever: true, env: io.env });
  const sub = nc.subscribe(request.subject, request.count > 0 ? { max: request.count } : undefined);
  const stop = () => sub.unsubscribe();
  io.signal?.addEventListener('abort', stop, { once: true });
  // The subscription is registered once the server has processed it; flush makes "subscribed" true.
  await nc.flush();
  io.err(`tailing ${request.subject} on ${request.servers.join(',')} (Ctrl-C to stop)`);
  try {
    for await (const msg of sub) io.out(msg.string());
  } finally {
    io.signal?.removeEventListener('abort', stop);
    await nc.close();
  }
  return ExitCode.OK;
}
