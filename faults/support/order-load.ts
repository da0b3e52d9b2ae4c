import type { NatsConnection } from '@nats-io/nats-core';
import { SYMBOL } from './stack.js';

export interface Acked {
  body: Record<string, unknown>;
  orderId: string;
}

/**
 * Steady order flow straight to the engine over NATS request-reply, the way the gateway's order API
 * forwards it: each command is retried with the same clientOrderId until answered (safe by the
 * contract), so every command ends acknowledged unless the load stops first. Buys and sells cross at
 * one price, so there are fills and several OrderUpdates per order.
 */
export class OrderLoad {
  readonly acked: Acked[] = [];
  readonly refused: unknown[] = [];
  /** Time of each acknowledgement (ms epoch), to measure outages. */
  readonly ackTimes: number[] = [];
  retries = 0;
  private running = true;
  private inFlight = 0;
  private counter = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly nc: NatsConnection,
    private readonly users: string[],
    ratePerSecond: number,
    private readonly maxInFlight = 50,
  ) {
    const every = Math.max(1, Math.round(1000 / ratePerSecond));
    this.timer = setInterval(() => this.tick(), every);
  }

  private tick(): void {
    if (!this.running || this.inFlight >= this.maxInFlight) return;
    const n = this.counter++;
    const body = {
      type: 'place',
      userId: this.users[n % this.users.length],
      clientOrderId: `f${process.pid}-${n}`,
      side: n % 2 === 0 ? 'buy' : 'sell',
      orderType: 'limit',
      price: '100.00',
      quantity: '1.0000',
      stp: 'none',
    };
    this.inFlight++;
    void this.send(body).finally(() => this.inFlight--);
  }

  private async send(body: Record<string, unknown>): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      try {
        const msg = await this.nc.request(`trading.cmd.${SYMBOL}`, JSON.stringify(body), { timeout: 2000 });
        const reply = JSON.parse(msg.string()) as { ok: boolean; order?: { orderId: string }; error?: unknown };
        if (reply.ok) {
          this.acked.push({ body, orderId: reply.order!.orderId });
          this.ackTimes.push(Date.now());
        } else this.refused.push(reply.error);
        return;
      } catch {
        this.retries++; // timeout, no responders, disconnected: the same command again
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /**
   * The longest time without any acknowledgement from `from` on: how long order entry was down
   * (the first ack after a fault can be a command that was already in flight, so it says little).
   */
  longestAckPause(from: number): number {
    const times = [from, ...this.ackTimes.filter((t) => t >= from)];
    let longest = 0;
    for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i] - times[i - 1]);
    return longest;
  }

  /** Stops sending new commands and waits for the ones in flight to be answered. */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    while (this.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /**
   * Every acknowledged order is still known to the engine: resending the identical command returns
   * the original order (contract section 4). Returns the ones that came back different or refused.
   */
  async verifyAcked(): Promise<Acked[]> {
    const lost: Acked[] = [];
    for (const acked of this.acked) {
      const msg = await this.nc.request(`trading.cmd.${SYMBOL}`, JSON.stringify(acked.body), { timeout: 5000 });
      const reply = JSON.parse(msg.string()) as { ok: boolean; order?: { orderId: string } };
      if (!reply.ok || reply.order?.orderId !== acked.orderId) lost.push(acked);
    }
    return lost;
  }
}
