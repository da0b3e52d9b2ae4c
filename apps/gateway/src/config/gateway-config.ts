import { NATS_AUTH_ENV_VARS, readNatsAuth, type NatsAuth } from '@trading/nats-auth';
import { ConfigError, EnvReader, type Env, type EnvVarSpec, type LogLevel } from '@trading/service-config';

export { ConfigError, type EnvVarSpec, type LogLevel } from '@trading/service-config';

export type JwtKeyConfig =
  | { kind: 'secret'; secret: string }
  | { kind: 'publicKey'; pem: string }
  /** A JWKS file (several keys, picked by `kid`): keys rotate by editing the file, no restart. */
  | { kind: 'jwks'; file: string };

/** Everything the gateway needs, read only from the environment (contract section 6). */
export interface GatewayConfig {
  natsServers: string[];
  /** Creds file and TLS files (NATS_CREDS, NATS_TLS_*); user:password may also sit in natsServers. */
  natsAuth: NatsAuth;
  host: string;
  /** 0 = any free port (tests); the bound port is on the running gateway's handle. */
  port: number;
  adminPort: number;
  jwt: JwtKeyConfig;
  jwtIssuer?: string;
  jwtAudience?: string;
  logLevel: LogLevel;
  drainMs: number;
  maxFrameBytes: number;
  maxSubscriptionsPerConnection: number;
  maxMessagesPerSecond: number;
  rateLimitCloseAfter: number;
  maxConnections: number;
  maxConnectionsPerIp: number;
  sendBufferBytes: number;
  sendBufferSweepMs: number;
  idleTimeoutSeconds: number;
  natsRequestTimeoutMs: number;
  maxHttpBodyBytes: number;
  /** Order-entry requests per user per second on one replica. */
  orderRequestsPerSecond: number;
  corsOrigins: string[];
  /** Origins allowed to open WebSockets and call the API from a browser; empty = any. */
  allowedOrigins: string[];
  /** WRITE_DELAY_MS: events from NATS are queued this long and published together (0 = at once). */
  writeDelayMs: number;
  /** WRITE_DELAY_MAX_MESSAGES: a write-delay queue this long is published before the delay is up. */
  writeDelayMaxMessages: number;
}

/** Every variable the gateway reads. The deployment manifests are cross-checked against this list: keep names stable. */
export const GATEWAY_ENV_VARS: readonly EnvVarSpec[] = [
  { name: 'NATS_URL', default: 'nats://127.0.0.1:4222', description: 'Comma-separated NATS server URLs; nats://user:password@host:port credentials are used for the connection and never logged.' },
  ...NATS_AUTH_ENV_VARS,
  { name: 'HOST', default: '0.0.0.0', description: 'Interface the WebSocket/HTTP listener binds to.' },
  { name: 'PORT', range: [0, 65535], default: '8080', description: 'WebSocket and order-entry HTTP port (0 = any free port).' },
  { name: 'ADMIN_PORT', range: [0, 65535], default: '9090', description: 'Port of /healthz, /readyz and /metrics (0 = any free port).' },
  { name: 'JWT_SECRET', default: '', description: 'HS256 secret (at least 32 bytes). Exactly one of JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_FILE is required.' },
  { name: 'JWT_PUBLIC_KEY', default: '', description: 'PEM public key (SPKI) for RS256 or ES256 tokens. Exactly one of JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_FILE is required.' },
  {
    name: 'JWT_JWKS_FILE',
    default: '',
    description: 'Path of a JWKS file ({"keys":[...]}, RS256/ES256 public keys chosen by kid). Re-read when it changes and on SIGHUP, so keys rotate without downtime; a bad new file keeps the old keys.',
  },
  { name: 'JWT_ISSUER', default: '', description: 'If set, tokens must carry this `iss`.' },
  { name: 'JWT_AUDIENCE', default: '', description: 'If set, tokens must carry this `aud`.' },
  { name: 'LOG_LEVEL', default: 'info', description: 'pino level: fatal, error, warn, info, debug, trace or silent.' },
  { name: 'DRAIN_MS', range: [0, 600_000], default: '10000', description: 'On SIGTERM, client connections are closed with 1001 spread evenly over this window.' },
  { name: 'MAX_FRAME_BYTES', range: [256, 16 * 1024 * 1024], default: '16384', description: 'Largest inbound WebSocket frame; a larger one closes the connection with 1009 (frames over 4x this, min 64 KiB, are cut at once by uWS: the client sees 1006).' },
  { name: 'MAX_SUBSCRIPTIONS_PER_CONNECTION', range: [1, 100_000], default: '100', description: 'Subscriptions one connection may hold; beyond it, TOO_MANY_SUBSCRIPTIONS.' },
  { name: 'MAX_MESSAGES_PER_SECOND', range: [1, 1_000_000], default: '50', description: 'Inbound client frames per connection per second; beyond it, RATE_LIMITED error frames.' },
  { name: 'RATE_LIMIT_CLOSE_AFTER', range: [1, 1_000_000], default: '50', description: 'Frames over the per-second limit within one second after which the connection is closed with 1008.' },
  { name: 'MAX_CONNECTIONS', range: [1, 10_000_000], default: '50000', description: 'WebSocket connections per replica; beyond it, HTTP 503 at upgrade.' },
  { name: 'MAX_CONNECTIONS_PER_IP', range: [1, 10_000_000], default: '1000', description: 'WebSocket connections per client IP per replica; beyond it, HTTP 503 at upgrade.' },
  { name: 'SEND_BUFFER_BYTES', range: [1024, 1024 * 1024 * 1024], default: '1048576', description: 'Bounded send buffer per connection; a connection buffering more is closed with 4008 (slow consumer).' },
  { name: 'SEND_BUFFER_SWEEP_MS', range: [5, 60_000], default: '100', description: 'Interval of the send-buffer sweep (it also runs early whenever enough bytes were sent).' },
  { name: 'IDLE_TIMEOUT_SECONDS', range: [0, 960], default: '60', description: 'Idle timeout; the server pings idle connections and closes those that stay silent. 8-960, or 0 to disable.' },
  { name: 'NATS_REQUEST_TIMEOUT_MS', range: [50, 120_000], default: '3000', description: 'How long to wait for an engine answer (commands and snapshots) before 503.' },
  {
    name: 'ORDER_REQUESTS_PER_SECOND',
    range: [1, 1_000_000],
    default: '50',
    description: 'Order-entry requests (POST and DELETE) one user may make per second on one replica; beyond it, HTTP 429 RATE_LIMITED with Retry-After: 1. Services that trade faster use NATS directly.',
  },
  { name: 'MAX_HTTP_BODY_BYTES', range: [256, 16 * 1024 * 1024], default: '16384', description: 'Largest order-entry request body; beyond it, HTTP 413.' },
  { name: 'CORS_ORIGINS', default: '', description: 'Comma-separated origins allowed to call the order-entry API from a browser, or * for any; empty = those of ALLOWED_ORIGINS (none when that is empty too).' },
  {
    name: 'ALLOWED_ORIGINS',
    default: '',
    description: 'Comma-separated origins (https://app.example.com) whose browser pages may open WebSockets and call the order API; another Origin gets 403 ORIGIN_NOT_ALLOWED. Requests without Origin (non-browser clients) pass. Empty = any origin.',
  },
  {
    name: 'WRITE_DELAY_MS',
    range: [0, 1_000],
    default: '0',
    description:
      'Write delay (0-1000 ms, like Centrifugo\'s client.write_delay): events from NATS are queued for up to this long and handed to the sockets together, so a socket that gets several events in the interval gets them in one system call. Less CPU per delivery under load, at the price of up to this much added latency per event. 0 = every event is written at once.',
  },
  {
    name: 'WRITE_DELAY_MAX_MESSAGES',
    range: [1, 1_000_000],
    default: '1000',
    description: 'With WRITE_DELAY_MS > 0: a queue of this many events (1-1000000) is written at once, before the delay is up; bounds the queue\'s memory and the size of one write burst.',
  },
];

function jwtKey(vars: EnvReader, env: Env): JwtKeyConfig {
  const secret = vars.text('JWT_SECRET');
  const pem = env.JWT_PUBLIC_KEY?.trim() || undefined;
  const jwks = vars.text('JWT_JWKS_FILE');
  if ([secret, pem, jwks].filter(Boolean).length > 1) {
    throw new ConfigError(secret ? 'JWT_SECRET' : 'JWT_PUBLIC_KEY', 'set only one of JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_FILE');
  }
  // The file's content is checked when the verifier loads it (startGateway), with the same error type.
  if (jwks) return { kind: 'jwks', file: jwks };
  if (secret) {
    // HS256 with a short secret is brute-forceable offline from any token a client holds.
    if (Buffer.byteLength(secret) < 32) throw new ConfigError('JWT_SECRET', 'must be at least 32 bytes long');
    return { kind: 'secret', secret };
  }
  if (pem) {
    if (!pem.includes('-----BEGIN PUBLIC KEY-----')) throw new ConfigError('JWT_PUBLIC_KEY', 'must be a PEM SPKI public key (-----BEGIN PUBLIC KEY-----)');
    return { kind: 'publicKey', pem: pem.replace(/\\n/g, '\n') };
  }
  throw new ConfigError('JWT_SECRET', 'one of JWT_SECRET (HS256), JWT_PUBLIC_KEY (RS256/ES256 PEM) or JWT_JWKS_FILE is required');
}

function idleTimeout(vars: EnvReader): number {
  const seconds = vars.integer('IDLE_TIMEOUT_SECONDS');
  // uWS refuses timeouts below 8 s (its timer granularity is 4 s).
  if (seconds !== 0 && seconds < 8) throw new ConfigError('IDLE_TIMEOUT_SECONDS', 'must be 0 (disabled) or between 8 and 960');
  return seconds;
}

function originList(vars: EnvReader, name: string, star: boolean): string[] {
  const value = vars.text(name);
  if (value === undefined) return [];
  const origins = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const origin of origins) {
    if (origin === '*' && star) continue;
    if (!/^https?:\/\/[^\s/]+$/.test(origin)) {
      throw new ConfigError(name, `${JSON.stringify(origin)} must be ${star ? '* or ' : ''}an origin like https://app.example.com`);
    }
  }
  return origins;
}

/** CORS may only open what the Origin allow-list lets in; without its own list it follows that one. */
function corsOrigins(vars: EnvReader, allowed: string[]): string[] {
  const cors = originList(vars, 'CORS_ORIGINS', true);
  if (cors.length === 0) return allowed;
  if (allowed.length > 0) {
    const outside = cors.filter((o) => !allowed.includes(o));
    if (outside.length > 0) throw new ConfigError('CORS_ORIGINS', `${outside.join(', ')} not in ALLOWED_ORIGINS (a browser from there would be refused anyway)`);
  }
  return cors;
}

/** Reads and validates the configuration; throws ConfigError naming the first bad variable. */
export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const vars = new EnvReader(env, GATEWAY_ENV_VARS);
  const logLevel = vars.logLevel();
  const maxMessagesPerSecond = vars.integer('MAX_MESSAGES_PER_SECOND');
  const allowedOrigins = originList(vars, 'ALLOWED_ORIGINS', false);
  return {
    natsServers: vars.natsServers(),
    natsAuth: vars.parse('NATS_CREDS', (e): NatsAuth => readNatsAuth(e)),
    host: vars.required('HOST'),
    port: vars.integer('PORT'),
    adminPort: vars.integer('ADMIN_PORT'),
    jwt: jwtKey(vars, env),
    jwtIssuer: vars.text('JWT_ISSUER'),
    jwtAudience: vars.text('JWT_AUDIENCE'),
    logLevel,
    drainMs: vars.integer('DRAIN_MS'),
    maxFrameBytes: vars.integer('MAX_FRAME_BYTES'),
    maxSubscriptionsPerConnection: vars.integer('MAX_SUBSCRIPTIONS_PER_CONNECTION'),
    maxMessagesPerSecond,
    rateLimitCloseAfter: vars.integer('RATE_LIMIT_CLOSE_AFTER'),
    maxConnections: vars.integer('MAX_CONNECTIONS'),
    maxConnectionsPerIp: vars.integer('MAX_CONNECTIONS_PER_IP'),
    sendBufferBytes: vars.integer('SEND_BUFFER_BYTES'),
    sendBufferSweepMs: vars.integer('SEND_BUFFER_SWEEP_MS'),
    idleTimeoutSeconds: idleTimeout(vars),
    natsRequestTimeoutMs: vars.integer('NATS_REQUEST_TIMEOUT_MS'),
    maxHttpBodyBytes: vars.integer('MAX_HTTP_BODY_BYTES'),
    orderRequestsPerSecond: vars.integer('ORDER_REQUESTS_PER_SECOND'),
    corsOrigins: corsOrigins(vars, allowedOrigins),
    allowedOrigins,
    writeDelayMs: vars.integer('WRITE_DELAY_MS'),
    writeDelayMaxMessages: vars.integer('WRITE_DELAY_MAX_MESSAGES'),
  };
}
