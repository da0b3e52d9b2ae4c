import { connect } from '@nats-io/transport-node';
import { errors, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import { natsIdentityOptions, type NatsAuth } from '@trading/nats-auth';
import type { Logger } from '../logging/logger.js';

export { redactUrls, splitCredentials } from '@trading/nats-auth';

export type { NatsConnection, Subscription } from '@nats-io/nats-core';

/** Outcome of a request to an engine, as the gateway needs to tell them apart. */
export type RequestOutcome =
  | { kind: 'reply'; data: Uint8Array }
  | { kind: 'no-responders' }
  | { kind: 'timeout' }
  | { kind: 'failed'; error: Error };

export interface NatsLinkEvents {
  onConnectedChange(connected: boolean): void;
  /** After a reconnect: subscriptions are restored by the client, but anything sent meanwhile was lost. */
  onReconnect(): void;
}

/**
 * The gateway's one NATS connection. It keeps reconnecting forever (client connections stay open
 * while NATS is away, contract section 5) and reports connectivity for /readyz.
 */
export class NatsLink {
  private connectedNow = true;

  private constructor(
    readonly nc: NatsConnection,
    private readonly log: Logger,
  ) {}

  /** `urls` may carry `user:password@`; `auth` adds a creds file and TLS (NATS_CREDS, NATS_TLS_*). */
  static async open(urls: string[], name: string, log: Logger, events: NatsLinkEvents, auth: NatsAuth = {}): Promise<NatsLink> {
    const nc = await connect({
      ...natsIdentityOptions(urls, auth),
      name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      // Start even if NATS is not up yet: /readyz stays false until it is.
      waitOnFirstConnect: true,
      pingInterval: 5_000,
      maxPingOut: 2,
    });
    const link = new NatsLink(nc, log);
    events.onConnectedChange(true);
    void link.watch(events);
    return link;
  }

  get connected(): boolean {
    return this.connectedNow && !this.nc.isClosed();
  }

  private async watch(events: NatsLinkEvents): Promise<void> {
    try {
      for await (const status of this.nc.status()) {
        if (status.type === 'disconnect') {
          this.connectedNow = false;
          this.log.warn({ server: status.server }, 'NATS disconnected');
          events.onConnectedChange(false);
        } else if (status.type === 'reconnect') {
          this.connectedNow = true;
          this.log.info({ server: status.server }, 'NATS reconnected');
          events.onConnectedChange(true);
          events.onReconnect();
        }
      }
    } catch (err) {
      this.log.error({ err }, 'NATS status watcher failed');
    }
  }

  async request(subject: string, body: string | Uint8Array, timeoutMs: number): Promise<RequestOutcome> {
    try {
      const msg = await this.nc.request(subject, body, { timeout: timeoutMs });
      return { kind: 'reply', data: msg.data };
    } catch (err) {
      return classifyRequestError(err);
    }
  }

  async drain(): Promise<void> {
    if (this.nc.isClosed()) return;
    try {
      await this.nc.drain();
    } catch (err) {
      this.log.warn({ err }, 'NATS drain failed; closing');
      await this.nc.close().catch(() => undefined);
    }
  }
}

export function classifyRequestError(err: unknown): RequestOutcome {
  if (err instanceof errors.NoRespondersError) return { kind: 'no-responders' };
  if (err instanceof errors.TimeoutError) return { kind: 'timeout' };
  if (err instanceof errors.RequestError) {
    if (err.isNoResponders()) return { kind: 'no-responders' };
    if (err.cause instanceof errors.TimeoutError) return { kind: 'timeout' };
  }
  return { kind: 'failed', error: err instanceof Error ? err : new Error(String(err)) };
}

export type { Subscription as NatsSubscription };

