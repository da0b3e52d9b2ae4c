import {
  isSymbol,
  subjects,
  validateCommand,
  type CancelCommand,
  type CommandReply,
  type FieldErrors,
  type PlaceCommand,
  type TradingCommand,
} from '@trading/contracts';
import type { CliIo } from '../io.js';
import { ExitCode, NatsUnavailableError, UsageError } from '../errors.js';
import { integerOption, parseOptions, requireString, stringOption, type OptionSpec, type ParsedOptions } from '../args/parse-options.js';
import { connectNats, requestJson, resolveNatsServers } from '../nats/nats-client.js';

const NATS_OPTIONS: OptionSpec = { nats: { type: 'string' }, timeout: { type: 'string' } };

const PLACE_OPTIONS: OptionSpec = {
  ...NATS_OPTIONS,
  user: { type: 'string' },
  symbol: { type: 'string' },
  side: { type: 'string' },
  type: { type: 'string' },
  price: { type: 'string' },
  qty: { type: 'string' },
  tif: { type: 'string' },
  'post-only': { type: 'boolean' },
  'client-order-id': { type: 'string' },
  stp: { type: 'string' },
};

const CANCEL_OPTIONS: OptionSpec = {
  ...NATS_OPTIONS,
  user: { type: 'string' },
  symbol: { type: 'string' },
  'order-id': { type: 'string' },
  'client-order-id': { type: 'string' },
};

/** Wire field -> the flag that sets it, so validation messages point at what the user typed. */
const FLAG_OF_FIELD: Record<string, string> = {
  userId: '--user',
  clientOrderId: '--client-order-id',
  side: '--side',
  orderType: '--type',
  price: '--price',
  quantity: '--qty',
  timeInForce: '--tif',
  postOnly: '--post-only',
  stp: '--stp',
  orderId: '--order-id',
};

export interface OrderRequest {
  symbol: string;
  command: TradingCommand;
}

function requireSymbol(values: ParsedOptions['values']): string {
  const symbol = requireString(values, 'symbol');
  if (!isSymbol(symbol)) throw new UsageError(`--symbol "${symbol}" must look like BTC-USD (^[A-Z0-9]{1,12}-[A-Z0-9]{1,12}$)`);
  return symbol;
}

/** Checks the command with the contract's own validation before anything goes on the wire. */
function validated(command: TradingCommand): TradingCommand {
  const result = validateCommand(command);
  if (!result.ok) throw new UsageError(describeFieldErrors(result.details));
  return command;
}

export function describeFieldErrors(details: FieldErrors): string {
  return Object.entries(details)
    .map(([field, message]) => `${FLAG_OF_FIELD[field] ?? field}: ${message}`)
    .join('; ');
}

let clientOrderIdCounter = 0;
/** Unique enough for a person at a terminal; pass --client-order-id to retry idempotently. */
export function generateClientOrderId(now = Date.now()): string {
  clientOrderIdCounter = (clientOrderIdCounter + 1) % 1_000_000;
  return `cli-${now.toString(36)}-${process.pid.toString(36)}-${clientOrderIdCounter}`;
}

export function parsePlaceArgs(args: readonly string[]): OrderRequest {
  const { values } = parseOptions(args, PLACE_OPTIONS, 0);
  const symbol = requireSymbol(values);
  const orderType = (stringOption(values, 'type') ?? 'limit') as PlaceCommand['orderType'];
  const command: PlaceCommand = {
    type: 'place',
    userId: requireString(values, 'user'),
    clientOrderId: stringOption(values, 'client-order-id') ?? generateClientOrderId(),
    side: requireString(values, 'side') as PlaceCommand['side'],
    orderType,
    quantity: requireString(values, 'qty'),
  };
  const price = stringOption(values, 'price');
  if (orderType === 'limit' && price === undefined) throw new UsageError('--price is required for a limit order');
  if (price !== undefined) command.price = price;
  const tif = stringOption(values, 'tif');
  if (tif !== undefined) command.timeInForce = tif as PlaceCommand['timeInForce'];
  if (values['post-only'] === true) command.postOnly = true;
  const stp = stringOption(values, 'stp');
  if (stp !== undefined) command.stp = stp as PlaceCommand['stp'];
  return { symbol, command: validated(command) };
}

export function parseCancelArgs(args: readonly string[]): OrderRequest {
  const { values } = parseOptions(args, CANCEL_OPTIONS, 0);
  const symbol = requireSymbol(values);
  const orderId = stringOption(values, 'order-id');
  const clientOrderId = stringOption(values, 'client-order-id');
  if ((orderId === undefined) === (clientOrderId === undefined)) {
    throw new UsageError('cancel needs exactly one of --order-id or --client-order-id');
  }
  const command: CancelCommand = { type: 'cancel', userId: requireString(values, 'user') };
  if (orderId !== undefined) command.orderId = orderId;
  if (clientOrderId !== undefined) command.clientOrderId = clientOrderId;
  return { symbol, command: validated(command) };
}

function natsSettings(args: readonly string[], spec: OptionSpec, io: CliIo) {
  const { values } = parseOptions(args, spec, 0);
  return {
    servers: resolveNatsServers(stringOption(values, 'nats'), io.env),
    timeoutMs: integerOption(values, 'timeout', 5000, 1, 600_000),
  };
}

function isCommandReply(value: unknown): value is CommandReply {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
}

async function sendCommand(request: OrderRequest, args: readonly string[], spec: OptionSpec, io: CliIo): Promise<number> {
  const { servers, timeoutMs } = natsSettings(args, spec, io);
  const nc = await connectNats({ servers, name: 'trading-cli', env: io.env });
  try {
    const reply = await requestJson(nc, subjects.command(request.symbol), request.command, timeoutMs);
    if (!isCommandReply(reply)) throw new NatsUnavailableError(`unexpected reply: ${JSON.stringify(reply).slice(0, 200)}`);
    io.out(JSON.stringify(reply));
    if (!reply.ok) {
      io.err(`refused: ${reply.error.code}: ${reply.error.message}`);
      return ExitCode.FAILED;
    }
    return ExitCode.OK;
  } finally {
    await nc.close();
  }
}

/** `place --user U --symbol S --side buy --type limit --price 1.00 --qty 0.1 [...]`: prints the engine's reply. */
export async function place(args: readonly string[], io: CliIo): Promise<number> {
  return sendCommand(parsePlaceArgs(args), args, PLACE_OPTIONS, io);
}

/** `cancel --user U --symbol S (--order-id X | --client-order-id Y)`: prints the engine's reply. */
export async function cancel(args: readonly string[], io: CliIo): Promise<number> {
  return sendCommand(parseCancelArgs(args), args, CANCEL_OPTIONS, io);
}

const SNAPSHOT_OPTIONS: OptionSpec = { ...NATS_OPTIONS, symbol: { type: 'string' }, depth: { type: 'string' } };

export function parseSnapshotArgs(args: readonly string[]): { symbol: string; body: { depth?: number } } {
  const { values } = parseOptions(args, SNAPSHOT_OPTIONS, 0);
  const symbol = requireSymbol(values);
  const body: { depth?: number } = {};
  if (stringOption(values, 'depth') !== undefined) body.depth = integerOption(values, 'depth', 0, 1, 10_000);
  return { symbol, body };
}

/** `snapshot --symbol S [--depth N]`: prints the engine's OrderBookSnapshot. */
export async function snapshot(args: readonly string[], io: CliIo): Promise<number> {
  const { symbol, body } = parseSnapshotArgs(args);
  const { servers, timeoutMs } = natsSettings(args, SNAPSHOT_OPTIONS, io);
  const nc = await connectNats({ servers, name: 'trading-cli', env: io.env });
  try {
    const reply = await requestJson(nc, subjects.snapshot(symbol), body, timeoutMs);
    io.out(JSON.stringify(reply));
    // An engine may answer a bad request with a refusal instead of a snapshot.
    return isCommandReply(reply) && !reply.ok ? ExitCode.FAILED : ExitCode.OK;
  } finally {
    await nc.close();
  }
}
