import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import {
  lotsToQuantity,
  subjects,
  type CommandReply,
  type OrderUpdate,
  type PlaceCommand,
  type SymbolSpec,
  type TradingCommand,
} from '@trading/contracts';
import { isNoResponders, isTimeout } from '../nats/nats-client.js';
import { MidPrice } from './mid-price.js';
import { OpenOrders } from './open-orders.js';
import { pick, randomInt, type Random } from './random.js';

export interface SimulatorLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface SimulatorOptions {
  symbols: readonly SymbolSpec[];
  /** Commands per second across all symbols; the simulator never exceeds it. */
  ratePerSecond: number;
  users: readonly string[];
  random: Random;
  /** At most this many commands awaiting a reply; ticks beyond it are skipped, not queued. */
  maxInFlight?: number;
  requestTimeoutMs?: number;
  /** Stop after sending this many commands (0 = until aborted). */
  maxCommands?: number;
  /** Resting orders per (user, symbol) above which the oldest is canceled. */
  maxOpenPerUser?: number;
  statsIntervalMs?: number;
  /** Prefix of generated clientOrderIds; must differ between runs against the same engine state. */
  runId?: string;
}

export interface SimulatorStats {
  sent: number;
  accepted: number;
  refused: Record<string, number>;
  noResponders: number;
  timeouts: number;
  failures: number;
  skippedTicks: number;
  orderUpdatesSeen: number;
}

const TERMINAL = new Set(['FILLED', 'CANCELED', 'REJECTED', 'EXPIRED']);

/**
 * Keeps every stream of the platform live: places passive limit orders around a drifting mid on
 * both sides, crosses the spread now and then (trades), cancels resting orders, and sends an
 * occasional market order. Plain NATS request-reply on the contract subjects; refusals, missing
 * engines and timeouts are counted and logged, never fatal.
 */
export class MarketSimulator {
  readonly stats: SimulatorStats = {
    sent: 0,
    accepted: 0,
    refused: {},
    noResponders: 0,
    timeouts: 0,
    failures: 0,
    skippedTicks: 0,
    orderUpdatesSeen: 0,
  };
  private readonly mids: Map<string, MidPrice>;
  private readonly open = new OpenOrders();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly lastWarnAt = new Map<string, number>();
  private counter = 0;
  private readonly runId: string;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: SimulatorOptions,
    private readonly log: SimulatorLogger,
  ) {
    if (options.symbols.length === 0) throw new RangeError('the simulator needs at least one symbol');
    if (options.users.length === 0) throw new RangeError('the simulator needs at least one user');
    if (!(options.ratePerSecond > 0)) throw new RangeError('ratePerSecond must be positive');
    this.mids = new Map(options.symbols.map((spec) => [spec.symbol, new MidPrice(spec)]));
    this.runId = options.runId ?? Date.now().toString(36);
  }

  /** Runs until `signal` aborts or maxCommands were sent, then waits for outstanding replies. */
  async run(signal?: AbortSignal): Promise<SimulatorStats> {
    const subs = this.followOwnOrders();
    const maxCommands = this.options.maxCommands ?? 0;
    const statsTimer = setInterval(() => this.log.info({ stats: this.stats, openOrders: this.open.total }, 'simulator stats'), this.options.statsIntervalMs ?? 10_000);
    statsTimer.unref();
    try {
      await new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        const timer = setInterval(() => {
          if (maxCommands > 0 && this.stats.sent >= maxCommands) {
            clearInterval(timer);
            return resolve();
          }
          this.tick();
        }, 1000 / this.options.ratePerSecond);
        signal?.addEventListener('abort', () => {
          clearInterval(timer);
          resolve();
        }, { once: true });
      });
      await Promise.allSettled([...this.inFlight]);
    } finally {
      clearInterval(statsTimer);
      for (const sub of subs) sub.unsubscribe();
    }
    this.log.info({ stats: this.stats }, 'simulator stopped');
    return this.stats;
  }

  private followOwnOrders(): Subscription[] {
    return this.options.users.map((userId) =>
      this.nc.subscribe(subjects.ordersOfUser(userId), {
        callback: (err, msg) => {
          if (err) return;
          try {
            this.observe(JSON.parse(msg.string()) as OrderUpdate);
          } catch {
            // A malformed event is the publisher's bug; the simulator only loses tracking accuracy.
          }
        },
      }),
    );
  }

  private observe(update: OrderUpdate): void {
    if (update?.type !== 'OrderUpdate') return;
    this.stats.orderUpdatesSeen++;
    if (TERMINAL.has(update.status)) this.open.remove(update.userId, update.symbol, update.orderId);
  }

  private tick(): void {
    if (this.inFlight.size >= (this.options.maxInFlight ?? 16)) {
      this.stats.skippedTicks++;
      return;
    }
    const { random } = this.options;
    const mid = pick(random, [...this.mids.values()]);
    const userId = pick(random, this.options.users);
    if (random() < 0.3) mid.drift(random);
    const command = this.nextCommand(mid, userId);
    this.stats.sent++;
    const done = this.send(mid.spec.symbol, command).finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }

  /** Chooses what a simulated trader does next; the mix keeps books deep and trades flowing. */
  private nextCommand(mid: MidPrice, userId: string): TradingCommand {
    const { random } = this.options;
    const symbol = mid.spec.symbol;
    const open = this.open.list(userId, symbol);
    const maxOpen = this.options.maxOpenPerUser ?? 12;
    if (open.length > maxOpen) return { type: 'cancel', userId, orderId: open[0] };
    const roll = random();
    if (roll < 0.25 && open.length > 0) return { type: 'cancel', userId, orderId: pick(random, open) };
    const side = random() < 0.5 ? 'buy' : 'sell';
    const base: Omit<PlaceCommand, 'orderType'> = {
      type: 'place',
      userId,
      clientOrderId: `sim-${this.runId}-${++this.counter}`,
      side,
      quantity: this.randomQuantity(mid.spec),
    };
    const away = side === 'buy' ? -1 : 1;
    if (roll < 0.75) return { ...base, orderType: 'limit', price: mid.priceAt(away * randomInt(random, 1, 20)) };
    if (roll < 0.95) return { ...base, orderType: 'limit', price: mid.priceAt(-away * randomInt(random, 0, 3)), timeInForce: pick(random, ['GTC', 'IOC'] as const) };
    return { ...base, orderType: 'market', timeInForce: 'IOC' };
  }

  /** 1 to 20 "units" of about 1/100 of a whole coin (at least the symbol's minimum). */
  private randomQuantity(spec: SymbolSpec): string {
    const unitLots = Math.max(spec.minLots, Math.round(10 ** spec.lot.decimals / spec.lot.units / 100));
    return lotsToQuantity(spec, unitLots * randomInt(this.options.random, 1, 20));
  }

  private async send(symbol: string, command: TradingCommand): Promise<void> {
    const timeout = this.options.requestTimeoutMs ?? 3000;
    let reply: CommandReply;
    try {
      const msg = await this.nc.request(subjects.command(symbol), JSON.stringify(command), { timeout });
      reply = JSON.parse(msg.string()) as CommandReply;
    } catch (err) {
      if (isNoResponders(err)) {
        this.stats.noResponders++;
        this.warnThrottled(`noresp:${symbol}`, { symbol }, 'no engine answers for this symbol (NATS no responders); retrying');
      } else if (isTimeout(err)) {
        this.stats.timeouts++;
        this.warnThrottled(`timeout:${symbol}`, { symbol, timeoutMs: timeout }, 'command timed out');
      } else {
        this.stats.failures++;
        this.warnThrottled('failure', { symbol, error: (err as Error)?.message }, 'command failed');
      }
      return;
    }
    this.onReply(symbol, command, reply);
  }

  private onReply(symbol: string, command: TradingCommand, reply: CommandReply): void {
    if (reply?.ok === true) {
      this.stats.accepted++;
      const order = reply.order;
      if (order && !TERMINAL.has(order.status)) this.open.add(order.userId, symbol, order.orderId);
      else if (order) this.open.remove(order.userId, symbol, order.orderId);
      return;
    }
    const code = reply?.ok === false ? reply.error?.code ?? 'UNKNOWN' : 'MALFORMED_REPLY';
    this.stats.refused[code] = (this.stats.refused[code] ?? 0) + 1;
    if (command.type === 'cancel' && command.orderId && code === 'ORDER_NOT_FOUND') {
      this.open.remove(command.userId, symbol, command.orderId);
    }
    // Expected refusals (an order filled before its cancel, no liquidity for a market order) are
    // part of normal trading; anything else points at a simulator or engine bug.
    if (code !== 'ORDER_NOT_FOUND' && code !== 'INSUFFICIENT_LIQUIDITY' && code !== 'POST_ONLY_WOULD_TAKE') {
      this.warnThrottled(`refused:${code}`, { symbol, code, reply }, 'command refused');
    }
  }

  private warnThrottled(key: string, fields: object, message: string): void {
    const now = Date.now();
    if (now - (this.lastWarnAt.get(key) ?? 0) < 5000) return;
    this.lastWarnAt.set(key, now);
    this.log.warn(fields, message);
  }
}
