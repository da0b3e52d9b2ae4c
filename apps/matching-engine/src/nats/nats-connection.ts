import { connect, type NatsConnection } from '@nats-io/transport-node';
import { natsIdentityOptions, type NatsAuth } from '@trading/nats-auth';
import type { Logger } from '../logging/logger.js';
import { PublishResend, type SendCommandTarget } from './publish-resend.js';

/** How often the server is asked to confirm (PING/PONG) what the resend buffer holds. */
export const RESEND_CONFIRM_INTERVAL_MS = 200;
import { parseServerVersion, retentionIsCheap } from './server-version.js';

/**
 * One NATS connection for the whole process: commands, events, journal and leases share it, so that
 * a KV write sent after some events also reaches the server after them (the republish watermark
 * relies on that ordering).
 */
export class EngineNatsConnection {
  private connectedNow = false;
  /**
   * Framed publishes (events, replies) the server has not confirmed yet, and those of the last
   * second, are sent again after a reconnect: core NATS loses what was in flight to a server that
   * died (publish-resend.ts). Undefined when this nats.js has no `protocol.sendCommand`
   * (FramedPublisher then uses plain publish too).
   */
  readonly resend?: PublishResend;
  private confirmTimer?: NodeJS.Timeout;
  private confirming = false;

  private constructor(
    readonly nc: NatsConnection,
    private readonly log: Logger,
  ) {
    this.connectedNow = true;
    const protocol = (nc as unknown as { protocol?: Partial<SendCommandTarget> }).protocol;
    if (typeof protocol?.sendCommand === 'function') {
      this.resend = new PublishResend();
      this.resend.install(protocol as SendCommandTarget);
      this.confirmTimer = setInterval(() => this.confirmResend(), RESEND_CONFIRM_INTERVAL_MS);
      this.confirmTimer.unref();
    }
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
      // Per dial (TCP connect plus the server's INFO/PONG), nats.js default 20 s. After a cluster node
      // was killed, one reconnect in 60 runs hung in a dial for exactly those 20 s while the other
      // connection of the same engine reconnected in 23 ms (issue 7); a stuck dial now gives way to
      // the next server after 3 s. A healthy handshake takes milliseconds.
      timeout: 3000,
      waitOnFirstConnect: true,
      pingInterval: 5_000,
      // nats.js writes its outbound buffer to the socket every 32 KiB by default; a released batch
      // is often a few hundred KiB of events and replies, so fewer, larger writes save syscalls.
      pendingLimit: 512 * 1024,
      // nats.js otherwise builds an Error (a stack trace) per request up front, in case it times
      // out: a visible share of the engine's CPU at moderate rates, where every small journal batch
      // is a request. Failures keep their type (TimeoutError, RequestError with its cause); the
      // engine logs their messages, not the stacks.
      noAsyncTraces: true,
    } as Parameters<typeof connect>[0]);
    const serverVersion = nc.info?.version;
    log.info({ server: nc.getServer(), serverVersion }, 'connected to NATS');
    if (retentionIsCheap(parseServerVersion(serverVersion)) === false) {
      log.warn(
        { serverVersion, wanted: '>= 2.10' },
        'nats-server older than 2.10: once the event-retention window is full, every stored event costs it a scan (measured 10x its CPU per command on 2.9.10); fine for development, not for production load',
      );
    }
    return new EngineNatsConnection(nc, log);
  }

  get connected(): boolean {
    return this.connectedNow && !this.nc.isClosed();
  }

  /**
   * One PING at a time: its PONG confirms to the resend buffer every frame handed to nats.js before
   * it, so those can leave the buffer once older than its window. A PING lost with the connection
   * is rejected by nats.js at the redial, and a late answer from before a disconnect confirms
   * nothing (the mark's epoch).
   */
  private confirmResend(): void {
    const resend = this.resend;
    if (!resend || this.confirming || !this.connectedNow) return;
    if (this.nc.isClosed() || this.nc.isDraining()) {
      clearInterval(this.confirmTimer);
      return;
    }
    const mark = resend.mark();
    this.confirming = true;
    this.nc.flush().then(
      () => {
        this.confirming = false;
        resend.confirm(mark);
      },
      () => {
        this.confirming = false;
      },
    );
  }

  private async watchStatus(): Promise<void> {
    try {
      for await (const status of this.nc.status()) {
        if (status.type === 'disconnect') {
          this.connectedNow = false;
          this.resend?.disconnected();
          this.log.warn({ server: status.server }, 'disconnected from NATS');
        } else if (status.type === 'reconnect') {
          // First thing on the new connection (no other task runs before this handler): the
          // publishes that may have died with the old one, then the ones held meanwhile.
          const { resentBytes, droppedBytes } = this.resend?.reconnected() ?? { resentBytes: 0, droppedBytes: 0 };
          this.connectedNow = true;
          this.log.info({ server: status.server, resentBytes }, 'reconnected to NATS');
          if (droppedBytes > 0) this.log.error({ droppedBytes }, 'events published while NATS was unreachable exceeded the resend buffer; consumers will see a seq gap');
        }
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'NATS status stream ended');
    }
    this.connectedNow = false;
  }

  async drain(): Promise<void> {
    clearInterval(this.confirmTimer);
    if (!this.nc.isClosed()) await this.nc.drain();
  }
}
