/**
 * Least-privilege NATS identities, one place for all of them: the nats-server configs of the dev
 * stack, docker-compose and Kubernetes, and the tests' servers, are all checked against this.
 *
 * Subjects (contract section 2): the engine alone publishes events and serves commands and
 * snapshots; gateways read events and make requests; read-only consumers only subscribe.
 */
export type NatsIdentityName = 'engine' | 'gateway' | 'reader';

export interface SubjectPermissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
  /**
   * May publish to the reply subject of a message it received (and only while that request is
   * open): how a service answers requests without being allowed to publish on `_INBOX.>` at large.
   */
  readonly allowResponses: boolean;
}

const EVENTS = ['trading.order.>', 'trading.trade.>', 'trading.book.>'];

/** JetStream state the engine owns (names as in apps/matching-engine; a test cross-checks them). */
export const ENGINE_STREAMS = {
  journal: 'TRADING_JOURNAL',
  journalSubjects: 'journal.>',
  kvBuckets: ['engine_leases', 'engine_progress'],
  /** Snapshots as a plain stream (head + chunks per symbol). */
  snapshotStream: 'ENGINE_SNAPSHOTS',
  snapshotSubjects: 'snapshots.>',
  /** Retention of published events for resume (libs/contracts event-streams). */
  eventStreams: ['TRADING_EVENTS_PRIVATE', 'TRADING_EVENTS_PUBLIC'],
} as const;

function engineStreamApi(): string[] {
  return [
    ...streamApi(ENGINE_STREAMS.journal),
    ...ENGINE_STREAMS.kvBuckets.flatMap((b) => streamApi(`KV_${b}`, { purge: true })),
    ...streamApi(ENGINE_STREAMS.snapshotStream, { purge: true }),
    // The engine applies changed EVENTS_MAX_* settings to the event streams (events/event-streams.ts).
    ...ENGINE_STREAMS.eventStreams.flatMap((s) => streamApi(s, { update: true })),
  ];
}

/**
 * JetStream API calls on named streams only: no listing, deleting or reading anybody else's streams.
 * Purge only where the engine needs it (KV deletes, snapshot replaces); never on the journal (the
 * system of record) or the event streams. Update only on the event streams: an update that lowers a
 * stream's limits trims it at once, as good as a purge, so the journal, the KV buckets and the
 * snapshots (which the engine only creates) do not allow it.
 */
function streamApi(stream: string, allow: { purge?: boolean; update?: boolean } = {}): string[] {
  return [
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.STREAM.CREATE.${stream}`,
    ...(allow.update ? [`$JS.API.STREAM.UPDATE.${stream}`] : []),
    ...(allow.purge ? [`$JS.API.STREAM.PURGE.${stream}`] : []),
    `$JS.API.STREAM.MSG.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.INFO.${stream}.>`,
    `$JS.API.CONSUMER.DELETE.${stream}.>`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.>`,
    `$JS.FC.${stream}.>`,
  ];
}

const ENGINE: SubjectPermissions = {
  publish: [
    ...EVENTS,
    ENGINE_STREAMS.journalSubjects,
    ENGINE_STREAMS.snapshotSubjects,
    ...ENGINE_STREAMS.kvBuckets.map((b) => `$KV.${b}.>`),
    // Account info: the JetStream client checks the API is there before first use.
    '$JS.API.INFO',
    ...engineStreamApi(),
  ],
  // Commands and snapshot requests, and replies to its own requests (JetStream API, KV, ...).
  subscribe: ['trading.cmd.*', 'trading.snapshot.*', '_INBOX.>'],
  allowResponses: true,
};

const GATEWAY: SubjectPermissions = {
  publish: [
    'trading.cmd.*',
    'trading.snapshot.*',
    // Resume reads retained events one at a time with direct get: no consumer, nothing to write.
    ...ENGINE_STREAMS.eventStreams.flatMap((s) => [`$JS.API.DIRECT.GET.${s}`, `$JS.API.DIRECT.GET.${s}.>`]),
  ],
  // Events and the replies to its own requests; never trading.cmd.* (it could answer as an engine).
  subscribe: [...EVENTS, '_INBOX.>'],
  allowResponses: false,
};

const READER: SubjectPermissions = {
  publish: [],
  subscribe: [...EVENTS],
  allowResponses: false,
};

export const NATS_PERMISSIONS: Readonly<Record<NatsIdentityName, SubjectPermissions>> = {
  engine: ENGINE,
  gateway: GATEWAY,
  reader: READER,
};

export interface NatsUserEntry {
  readonly user: string;
  /** Written into the config as it is: a literal, a bcrypt hash, or `$ENV_VAR` for nats-server to expand. */
  readonly password: string;
  readonly identity: NatsIdentityName;
}

const quote = (s: string): string => JSON.stringify(s);
const list = (items: readonly string[]): string => `[${items.map(quote).join(', ')}]`;

/** The `permissions { ... }` block of one identity, in nats-server config syntax. */
export function permissionsBlock(identity: NatsIdentityName): string {
  const p = NATS_PERMISSIONS[identity];
  // An empty allow list means "allow everything" to nats-server: deny everything instead.
  const publish = p.publish.length > 0 ? `{ allow: ${list(p.publish)} }` : `{ deny: [">"] }`;
  const subscribe = p.subscribe.length > 0 ? `{ allow: ${list(p.subscribe)} }` : `{ deny: [">"] }`;
  const responses = p.allowResponses ? ', allow_responses: true' : '';
  return `{ publish: ${publish}, subscribe: ${subscribe}${responses} }`;
}

/**
 * An `accounts { TRADING { ... } }` block with JetStream and one user per entry: what the harness
 * appends to a test server's config, and what the deployment configs contain.
 */
export function natsAccountsConfig(users: readonly NatsUserEntry[], account = 'TRADING'): string {
  const lines = users.map((u) => {
    const password = u.password.startsWith('$') ? u.password : quote(u.password);
    return `      { user: ${quote(u.user)}, password: ${password}, permissions: ${permissionsBlock(u.identity)} }`;
  });
  return [`accounts {`, `  ${account} {`, `    jetstream: enabled`, `    users: [`, ...lines, `    ]`, `  }`, `}`].join('\n');
}
