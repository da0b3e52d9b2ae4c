import { connect } from '@nats-io/transport-node';
import { RequestError, TimeoutError, NoRespondersError, type NatsConnection } from '@nats-io/nats-core';
import { NatsAuthConfigError, natsIdentityOptions, readNatsAuth, redactUrls, type NatsAuth } from '@trading/nats-auth';
import { NatsUnavailableError, NoEngineError, RequestTimeoutError, UsageError } from '../errors.js';

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

/** `--nats` wins, then NATS_URL, then the local default. Comma-separated lists name several servers. */
export function resolveNatsServers(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string[] {
  const text = flag || env.NATS_URL || DEFAULT_NATS_URL;
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export interface ConnectOptions {
  servers: string[];
  name: string;
  /** Long-running commands (tail, simulate) keep reconnecting forever; one-shot commands do not. */
  reconnectForever?: boolean;
  /** Where NATS_CREDS and NATS_TLS_* are read from (user:password may also sit in the server URLs). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** NATS_CREDS / NATS_TLS_* from the environment; a bad setting is a usage error naming the variable. */
export function natsAuthFromEnv(env: Readonly<Record<string, string | undefined>>): NatsAuth {
  try {
    return readNatsAuth(env);
  } catch (err) {
    if (err instanceof NatsAuthConfigError) throw new UsageError(`${err.variable}: ${err.message}`);
    throw err;
  }
}

export async function connectNats(options: ConnectOptions): Promise<NatsConnection> {
  const auth = natsAuthFromEnv(options.env ?? {});
  try {
    return await connect({
      ...natsIdentityOptions(options.servers, auth),
      name: options.name,
      maxReconnectAttempts: options.reconnectForever ? -1 : 0,
      reconnectTimeWait: 500,
      timeout: 3000,
    });
  } catch (err) {
    throw new NatsUnavailableError(`cannot connect to NATS at ${redactUrls(options.servers).join(',')}: ${(err as Error).message}`);
  }
}

/**
 * One request-reply with a JSON body, mapping NATS failures to CLI errors: "no responders" means
 * no running engine owns the symbol.
 */
export async function requestJson(nc: NatsConnection, subject: string, body: unknown, timeoutMs: number): Promise<unknown> {
  let text: string;
  try {
    const msg = await nc.request(subject, JSON.stringify(body), { timeout: timeoutMs });
    text = msg.string();
  } catch (err) {
    throw mapRequestError(err, subject, timeoutMs);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new NatsUnavailableError(`reply on ${subject} is not JSON: ${text.slice(0, 200)}`);
  }
}

export function isNoResponders(err: unknown): boolean {
  return err instanceof NoRespondersError || (err instanceof RequestError && err.isNoResponders());
}

export function isTimeout(err: unknown): boolean {
  return err instanceof TimeoutError || (err instanceof RequestError && err.cause instanceof TimeoutError);
}

export function mapRequestError(err: unknown, subject: string, timeoutMs: number): Error {
  if (isNoResponders(err)) return new NoEngineError(`no engine answers on ${subject} (NATS no responders): is the symbol owned by a running engine?`);
  if (isTimeout(err)) return new RequestTimeoutError(`no reply on ${subject} within ${timeoutMs} ms`);
  return new NatsUnavailableError(`request on ${subject} failed: ${(err as Error)?.message ?? err}`);
}
