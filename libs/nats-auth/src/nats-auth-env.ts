import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { NatsAuthConfigError } from './nats-auth-error.js';

/** How a service proves who it is to NATS, besides `user:password@` in NATS_URL. */
export interface NatsAuth {
  /** NATS_USER / NATS_PASSWORD: the same as user:password in NATS_URL, but fit for a Secret reference. */
  readonly user?: string;
  readonly pass?: string;
  /** A `.creds` file (user JWT + nkey seed, from `nsc`); re-read at every (re)connect so it can be rotated in place. */
  readonly credsFile?: string;
  readonly tls?: NatsTlsFiles;
}

/** Paths of PEM files; the client requires TLS whenever any is set. */
export interface NatsTlsFiles {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

export interface NatsAuthEnvVar {
  readonly name: string;
  readonly default: string;
  readonly description: string;
}

/** The variables every service (engine, gateway, CLI) reads for NATS identity and TLS. */
export const NATS_AUTH_ENV_VARS: readonly NatsAuthEnvVar[] = [
  {
    name: 'NATS_USER',
    default: '',
    description: 'NATS user name (with NATS_PASSWORD); an alternative to user:password in NATS_URL that deployments can fill from a Secret.',
  },
  { name: 'NATS_PASSWORD', default: '', description: 'Password of NATS_USER; never logged.' },
  {
    name: 'NATS_CREDS',
    default: '',
    description:
      'Path of a NATS .creds file (user JWT + nkey seed) for servers in operator/JWT mode; re-read at each reconnect. Not together with user:password in NATS_URL.',
  },
  { name: 'NATS_TLS_CA', default: '', description: 'PEM file of the CA that signed the NATS servers\' certificates; setting it requires TLS.' },
  { name: 'NATS_TLS_CERT', default: '', description: 'PEM client certificate for NATS servers that verify clients (mutual TLS); needs NATS_TLS_KEY.' },
  { name: 'NATS_TLS_KEY', default: '', description: 'PEM private key of NATS_TLS_CERT.' },
];

type Env = Readonly<Record<string, string | undefined>>;

function value(env: Env, name: string): string | undefined {
  const text = env[name]?.trim();
  return text ? text : undefined;
}

/** A path that names a readable regular file, checked at start so a typo fails fast, not at first reconnect. */
function readableFile(env: Env, name: string): string | undefined {
  const path = value(env, name);
  if (path === undefined) return undefined;
  try {
    if (!statSync(path).isFile()) throw new NatsAuthConfigError(name, `${path} is not a regular file`);
    accessSync(path, constants.R_OK);
  } catch (err) {
    if (err instanceof NatsAuthConfigError) throw err;
    throw new NatsAuthConfigError(name, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return path;
}

/**
 * Reads NATS_CREDS and NATS_TLS_* (and checks NATS_CREDS does not compete with a user:password in
 * NATS_URL). Throws NatsAuthConfigError naming the first bad variable.
 */
export function readNatsAuth(env: Env): NatsAuth {
  const urls = value(env, 'NATS_URL') ?? '';
  const urlHasUser = /(^|,)\s*[a-z]+:\/\/[^@/,]+@/.test(urls);
  const user = value(env, 'NATS_USER');
  // A password may legitimately start or end with spaces: take it as it is.
  const pass = env.NATS_PASSWORD === '' ? undefined : env.NATS_PASSWORD;
  if (pass !== undefined && user === undefined) throw new NatsAuthConfigError('NATS_USER', 'NATS_PASSWORD is set but NATS_USER is not');
  if (user !== undefined && urlHasUser) throw new NatsAuthConfigError('NATS_USER', 'set either NATS_USER/NATS_PASSWORD or user:password in NATS_URL, not both');
  const credsFile = readableFile(env, 'NATS_CREDS');
  if (credsFile !== undefined) {
    const text = readFileSync(credsFile, 'utf8');
    // Catch "pointed at the wrong file" now: a creds file holds both armoured blocks.
    if (!text.includes('BEGIN NATS USER JWT') || !text.includes('BEGIN USER NKEY SEED')) {
      throw new NatsAuthConfigError('NATS_CREDS', `${credsFile} is not a NATS .creds file (no USER JWT and USER NKEY SEED blocks)`);
    }
    if (urlHasUser || user !== undefined) {
      throw new NatsAuthConfigError('NATS_CREDS', 'set either NATS_CREDS or a user and password (NATS_USER or NATS_URL), not both');
    }
  }
  const caFile = readableFile(env, 'NATS_TLS_CA');
  const certFile = readableFile(env, 'NATS_TLS_CERT');
  const keyFile = readableFile(env, 'NATS_TLS_KEY');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new NatsAuthConfigError(certFile ? 'NATS_TLS_KEY' : 'NATS_TLS_CERT', 'NATS_TLS_CERT and NATS_TLS_KEY go together');
  }
  const tls = caFile || certFile ? { caFile, certFile, keyFile } : undefined;
  return { user, pass, credsFile, tls };
}
