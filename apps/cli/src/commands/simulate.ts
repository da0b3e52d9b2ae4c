import { connect } from '@nats-io/transport-node';
import { pino } from 'pino';
import { ContractError, parseSymbolsList, isUserId, type SymbolSpec } from '@trading/contracts';
import type { CliIo } from '../io.js';
import { ExitCode, NatsUnavailableError, UsageError } from '../errors.js';
import { integerOption, parseOptions, stringOption } from '../args/parse-options.js';
import { natsAuthFromEnv, resolveNatsServers } from '../nats/nats-client.js';
import { natsIdentityOptions, redactUrls } from '@trading/nats-auth';
import { MarketSimulator, type SimulatorLogger } from '../simulator/market-simulator.js';
import { seededRandom } from '../simulator/random.js';

const SIMULATE_OPTIONS = {
  nats: { type: 'string' },
  symbols: { type: 'string' },
  rate: { type: 'string' },
  users: { type: 'string' },
  seed: { type: 'string' },
  count: { type: 'string' },
  'log-level': { type: 'string' },
} as const;

export const DEFAULT_SIMULATED_SYMBOLS = 'BTC-USD,ETH-USD';

export interface SimulateSettings {
  servers: string[];
  symbols: SymbolSpec[];
  ratePerSecond: number;
  users: string[];
  seed: number;
  maxCommands: number;
  logLevel: string;
}

export function parseSimulateArgs(args: readonly string[], env: CliIo['env']): SimulateSettings {
  const { values } = parseOptions(args, SIMULATE_OPTIONS, 0);
  const symbolsText = stringOption(values, 'symbols') ?? env.SIMULATOR_SYMBOLS ?? DEFAULT_SIMULATED_SYMBOLS;
  let symbols: SymbolSpec[];
  try {
    symbols = parseSymbolsList(symbolsText);
  } catch (err) {
    if (err instanceof ContractError) throw new UsageError(`--symbols: ${err.message}`);
    throw err;
  }
  const userCount = integerOption(values, 'users', 4, 1, 100);
  const users = Array.from({ length: userCount }, (_, i) => `sim-${i + 1}`);
  if (!users.every(isUserId)) throw new UsageError('generated user ids are not valid');
  return {
    servers: resolveNatsServers(stringOption(values, 'nats'), env),
    symbols,
    // Bounded so a dev stack on a laptop stays responsive: 30/s by default, 500/s at most.
    ratePerSecond: integerOption({ rate: stringOption(values, 'rate') ?? env.SIMULATOR_RATE }, 'rate', 30, 1, 500),
    users,
    seed: integerOption(values, 'seed', Date.now() % 2 ** 31, 0, 2 ** 32 - 1),
    maxCommands: integerOption(values, 'count', 0, 0, Number.MAX_SAFE_INTEGER),
    logLevel: stringOption(values, 'log-level') ?? env.LOG_LEVEL ?? 'info',
  };
}

/**
 * `simulate [--symbols BTC-USD,ETH-USD] [--rate 30] [--users 4] [--seed N] [--count N]`: a market
 * simulator for the local stack. JSON logs (pino) on stdout; runs until Ctrl-C or N commands.
 */
export async function simulate(args: readonly string[], io: CliIo): Promise<number> {
  const settings = parseSimulateArgs(args, io.env);
  const log = pino({ name: 'market-simulator', level: settings.logLevel });
  const auth = natsAuthFromEnv(io.env);
  let nc;
  try {
    // Reconnect forever: the simulator outlives NATS restarts in the dev stack.
    nc = await connect({ ...natsIdentityOptions(settings.servers, auth), name: 'market-simulator', maxReconnectAttempts: -1, reconnectTimeWait: 500, timeout: 3000 });
  } catch (err) {
    throw new NatsUnavailableError(`cannot connect to NATS at ${redactUrls(settings.servers).join(',')}: ${(err as Error).message}`);
  }
  const logger: SimulatorLogger = { info: (f, m) => log.info(f, m), warn: (f, m) => log.warn(f, m) };
  log.info(
    { symbols: settings.symbols.map((s) => s.symbol), ratePerSecond: settings.ratePerSecond, users: settings.users, seed: settings.seed },
    'market simulator started',
  );
  const simulator = new MarketSimulator(
    nc,
    {
      symbols: settings.symbols,
      ratePerSecond: settings.ratePerSecond,
      users: settings.users,
      random: seededRandom(settings.seed),
      maxCommands: settings.maxCommands,
    },
    logger,
  );
  try {
    await simulator.run(io.signal);
  } finally {
    await nc.close();
  }
  return ExitCode.OK;
}
