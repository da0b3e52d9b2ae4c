import { readFileSync } from 'node:fs';
import { credsAuthenticator, type ConnectionOptions } from '@nats-io/nats-core';
import type { NatsAuth } from './nats-auth-env.js';

export type NatsIdentityOptions = Pick<ConnectionOptions, 'servers' | 'user' | 'pass' | 'authenticator' | 'tls'>;

/**
 * `nats://user:password@host:4222` is a common way to hand a service its NATS identity, but the
 * client wants user/pass as options: split them off (percent-decoded) and keep the bare URLs.
 */
export function splitCredentials(urls: string[]): { servers: string[]; user?: string; pass?: string } {
  let user: string | undefined;
  let pass: string | undefined;
  const servers = urls.map((url) => {
    const match = /^([a-z]+:\/\/)([^@/]+)@(.+)$/.exec(url);
    if (!match) return url;
    const [u, ...rest] = match[2].split(':');
    user ??= decodeURIComponent(u);
    pass ??= decodeURIComponent(rest.join(':'));
    return match[1] + match[3];
  });
  return { servers, user, pass };
}

/** NATS URLs safe to log: credentials replaced by `***`. */
export function redactUrls(urls: string[]): string[] {
  return urls.map((url) => url.replace(/^([a-z]+:\/\/)[^@/]+@/, '$1***@'));
}

/** The identity part of nats.js connect options: servers, user/pass, creds authenticator, TLS files. */
export function natsIdentityOptions(urls: string[], auth: NatsAuth = {}): NatsIdentityOptions {
  const { servers, user, pass } = splitCredentials(urls);
  // readNatsAuth refuses NATS_USER together with URL credentials, so at most one of them is set.
  const options: NatsIdentityOptions = { servers, user: auth.user ?? user, pass: auth.user !== undefined ? auth.pass : pass };
  const credsFile = auth.credsFile;
  // A function, not the bytes: a rotated creds file is picked up at the next reconnect.
  if (credsFile) options.authenticator = credsAuthenticator(() => new Uint8Array(readFileSync(credsFile)));
  if (auth.tls) options.tls = { ...auth.tls };
  return options;
}
