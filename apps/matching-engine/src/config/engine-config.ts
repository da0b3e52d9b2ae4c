import { hostname } from 'node:os';
import { parseSymbolsList, type SymbolSpec } from '@trading/contracts';
import { NATS_AUTH_ENV_VARS, readNatsAuth, type NatsAuth } from '@trading/nats-auth';
import { ConfigError, EnvReader, type EnvVarSpec, type LogLevel } from '@trading/service-config';

export { ConfigError, type LogLevel } from '@trading/service-config';

/** sysexits.h EX_CONFIG: an orchestrator can tell "fix the config" from a crash. */
export const CONFIG_ERROR_EXIT_CODE = 78;

export interface EngineConfig {
  readonly natsServers: string[];
  /** Creds file and TLS files (NATS_CREDS, NATS_TLS_*); user:password may also sit in natsServers. */
  readonly natsAuth: NatsAuth;
  readonly symbols: SymbolSpec[];
  readonly adminPort: number;
  readonly logLevel: LogLevel;
  readonly instanceId: string;
  readonly leaseTtlMs: number;
  readonly snapshotIntervalCommands: number;
  readonly snapshotIntervalMs: number;
  readonly journalBatchMax: number;
  readonly journalStreamMaxAgeSeconds: number;
  readonly journalReplicas: number;
  readonly journalAppendTimeoutMs: number;
  readonly progressIntervalMs: number;
  readonly recoveryConcurrency: number;
  /** Resting orders one user may have per symbol (0: no limit). */
  readonly maxOpenOrdersPerUser: number;
  readonly eventsMaxAgeMs: number;
  readonly eventsMaxBytes: number;
  readonly eventsReplicas: number;
}

/** Every environment variable the engine reads (the deployment checks its manifests against this list). */
export const ENGINE_ENV_VARS: readonly EnvVarSpec[] = [
  {
    name: 'NATS_URL',
    default: 'nats://127.0.0.1:4222',
    description: 'Comma-separated NATS server URLs; nats://user:password@host:port credentials are used for the connection and never logged.',
  },
  ...NATS_AUTH_ENV_VARS,
  {
    name: 'SYMBOLS',
    default: undefined,
    description: 'Symbols this instance serves, SYMBOL[:tick[:lot[:minQuantity]]] comma-separated (required).',
  },
  { name: 'ADMIN_PORT', range: [0, 65535], default: '9090', description: 'Port of /healthz, /readyz and /metrics (0 picks a free port).' },
  { name: 'LOG_LEVEL', default: 'info', description: 'pino level: fatal, error, warn, info, debug, trace or silent.' },
  { name: 'INSTANCE_ID', default: '<hostname>-<pid>', description: 'Name written into leases; must be unique per process.' },
  {
    name: 'LEASE_TTL_MS',
    range: [1000, 3_600_000],
    default: '5000',
    description: 'Symbol lease lifetime; renewed every third of it. A crashed owner is replaced after at most this long.',
  },
  { name: 'SNAPSHOT_INTERVAL_COMMANDS', range: [1], default: '100000', description: 'Snapshot a symbol after this many journaled commands.' },
  { name: 'SNAPSHOT_INTERVAL_MS', range: [100], default: '60000', description: 'Snapshot a symbol that changed at least this often.' },
  { name: 'JOURNAL_BATCH_MAX', range: [1, 100_000], default: '1000', description: 'Most commands in one journal message (batch).' },
  {
    name: 'JOURNAL_STREAM_MAX_AGE',
    range: [0],
    default: '0',
    description: 'Max age of journal messages in seconds (0 = keep forever). Must far exceed SNAPSHOT_INTERVAL_MS.',
  },
  { name: 'JOURNAL_REPLICAS', range: [1, 5], default: '1', description: 'Replicas of the TRADING_JOURNAL stream and engine buckets.' },
  { name: 'JOURNAL_APPEND_TIMEOUT_MS', range: [100, 600_000], default: '5000', description: 'How long a journal append may wait for its ack.' },
  {
    name: 'PROGRESS_INTERVAL_MS',
    range: [10, 600_000],
    default: '250',
    description: 'How often the "events published up to journal seq" watermark is saved (bounds republish after a crash).',
  },
  {
    name: 'MAX_OPEN_ORDERS_PER_USER',
    range: [0, 10_000_000],
    default: '1000',
    description:
      'Resting orders one user may have in one symbol; a GTC limit order beyond it is refused with TOO_MANY_OPEN_ORDERS (IOC, FOK and market orders are not limited). Bounds what one account can do to a book (and to the size of its snapshot). 0 = no limit.',
  },
  { name: 'RECOVERY_CONCURRENCY', range: [1, 1024], default: '32', description: 'Symbols recovered (snapshot + journal tail) in parallel at start.' },
  {
    name: 'EVENTS_MAX_AGE_MS',
    range: [1000],
    default: '86400000',
    description: 'Resume window: how long the TRADING_EVENTS_PRIVATE/PUBLIC streams keep published events (ms).',
  },
  {
    name: 'EVENTS_MAX_BYTES',
    range: [1024 * 1024],
    default: '268435456',
    description: 'Resume window by size: most bytes each event stream keeps (oldest events go first).',
  },
  {
    name: 'EVENTS_REPLICAS',
    range: [1, 5],
    default: '<JOURNAL_REPLICAS>',
    description: 'Replicas of the two event streams; unset = the same as JOURNAL_REPLICAS (3 in a cluster).',
  },
];

/** Reads and checks the whole configuration; throws ConfigError naming the first bad variable. */
export function loadEngineConfig(env: NodeJS.ProcessEnv): EngineConfig {
  const vars = new EnvReader(env, ENGINE_ENV_VARS);
  const symbols = vars.parse('SYMBOLS', (e) => parseSymbolsList(e.SYMBOLS));
  const logLevel = vars.logLevel();
  // The documented default is a description, not a value: compute it.
  const instanceId = vars.isSet('INSTANCE_ID') ? vars.required('INSTANCE_ID') : `${hostname()}-${process.pid}`;
  if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(instanceId)) throw new ConfigError('INSTANCE_ID', `"${instanceId}" must match ^[A-Za-z0-9_.:-]{1,128}$`);
  const journalReplicas = vars.integer('JOURNAL_REPLICAS');
  return {
    natsServers: vars.natsServers(),
    natsAuth: vars.parse('NATS_CREDS', (e): NatsAuth => readNatsAuth(e)),
    symbols,
    adminPort: vars.integer('ADMIN_PORT'),
    logLevel,
    instanceId,
    leaseTtlMs: vars.integer('LEASE_TTL_MS'),
    snapshotIntervalCommands: vars.integer('SNAPSHOT_INTERVAL_COMMANDS'),
    snapshotIntervalMs: vars.integer('SNAPSHOT_INTERVAL_MS'),
    journalBatchMax: vars.integer('JOURNAL_BATCH_MAX'),
    journalStreamMaxAgeSeconds: vars.integer('JOURNAL_STREAM_MAX_AGE'),
    journalReplicas,
    journalAppendTimeoutMs: vars.integer('JOURNAL_APPEND_TIMEOUT_MS'),
    progressIntervalMs: vars.integer('PROGRESS_INTERVAL_MS'),
    recoveryConcurrency: vars.integer('RECOVERY_CONCURRENCY'),
    maxOpenOrdersPerUser: vars.integer('MAX_OPEN_ORDERS_PER_USER'),
    eventsMaxAgeMs: vars.integer('EVENTS_MAX_AGE_MS'),
    eventsMaxBytes: vars.integer('EVENTS_MAX_BYTES'),
    // The documented default is another variable's value: computed here, like INSTANCE_ID's.
    eventsReplicas: vars.isSet('EVENTS_REPLICAS') ? vars.integer('EVENTS_REPLICAS') : journalReplicas,
  };
}
