// The benchmark's NATS publisher: TradeExecuted-shaped events (contract section 3) on
// trading.trade.{symbol}, at a steady rate, each stamped with its publish time for the latency
// measurement. Extra fields pass through gateways unchanged (contract section 5), so the stamp is
// an ordinary field: `benchTag` (which phase the event belongs to) and `benchNs` (publish time,
// process.hrtime minus the shared base, nanoseconds, kept last so clients find it without parsing).

export class TradePublisher {
  #seq = new Map();

  constructor(nc, baseNs) {
    this.nc = nc;
    this.baseNs = baseNs;
  }

  /** Publishes one event now; seq stays contiguous per subject for the whole benchmark. */
  publish(symbol, tag) {
    const seq = (this.#seq.get(symbol) ?? 0) + 1;
    this.#seq.set(symbol, seq);
    const sentNs = process.hrtime.bigint() - this.baseNs;
    const payload =
      `{"type":"TradeExecuted","symbol":"${symbol}","seq":${seq},"ts":${Date.now()},"tradeId":"${symbol}-${seq}",` +
      `"price":"50000.00","quantity":"0.0100","takerSide":"${seq % 2 ? 'buy' : 'sell'}","benchTag":"${tag}","benchNs":"${sentNs}"}`;
    this.nc.publish(`trading.trade.${symbol}`, payload);
  }

  /**
   * Publishes `rate` events per second for `durationMs`, spread evenly (catching up on late timer
   * ticks rather than bursting a second's worth at once). Resolves with the number published.
   */
  async publishAtRate(symbol, tag, { rate, durationMs, tickMs = 2 }) {
    const total = Math.round((rate * durationMs) / 1000);
    const start = performance.now();
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      while (sent < due) {
        this.publish(symbol, tag);
        sent++;
      }
      await new Promise((r) => setTimeout(r, tickMs));
    }
    await this.nc.flush();
    return sent;
  }
}
