import { connect, type NatsConnection } from '@nats-io/transport-node';
import { natsIdentityOptions, type NatsAuth } from '@trading/nats-auth';
import type { Logger } from '../logging/logger.js';

/**
 * One NATS connection for the whole process: commands, events, journal and leases share it, so that
 * a KV write sent after some events also reaches the server after them (the republish watermark
 * relies on that ordering).
 */
export class EngineNatsConnection {
  private connectedNow = false;

  private constructor(
    readonly nc: NatsConnection,
    private readonly log: Logger,
  ) {
    this.connectedNow = true;
    void this.watchStatus();
  }

  /** `servers` may carry `user:password@`; `auth` adds a creds file and TLS (NATS_CREDS, NATS_TLS_*). */
  static async open(servers: string[], name: string, log: Logger, auth: NatsAuth = {}): Promise<EngineNatsConnection> {
    const nc = await connect({
      ...natsIdentityOptions(servers, auth),
      name,
      // Keep trying for ever: the engine's job is to come back once NATS does.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      waitOnFirstConnect: true,
      pingInterval: 5_000,
      // nats.js writes its outbound buffer to the socket every 32 KiB by default; a released batch
      // is often a few hundred KiB of events and replies, so fewer, larger writes save syscalls.
      pendingLimit: 512 * 1024,
    } as Parameters<typeof connect>[0]);
    log.info({ server: nc.getServer() }, 'connected to NATS');
    return new EngineNatsConnection(nc, log);
  }

  get connected(): boolean {
    return this.connectedNow && !this.nc.isClosed();
  }

  private async watchStatus(): Promise<void> {
    try {
      for await (const status of this.nc.status()) {
        if (status.type === 'disconnect') {
          this.connectedNow = false;
          this.log.warn({ server: status.server }, 'disconnected from NATS');
        } else if (status.type === 'reconnect') {
          this.connectedNow = true;
          this.log.info({ server: status.server }, 'reconnected to NATS');
        }
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'NATS status stream ended');
    }
    this.connectedNow = false;
  }

  async drain(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain();
  }
}
