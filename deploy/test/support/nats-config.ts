import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATS_SERVER_BIN, NatsServerMissingError, natsServerAvailable } from '@trading/testing';

/**
 * A NATS image the deployments may run: the official image, 2.10 or later, pinned to a patch
 * release. Not 2.9: a full event-retention window costs it 10x the CPU per command
 * (docs/benchmarks.md, "Event-retention window full"). Returns the problem, or undefined.
 */
export function natsImageProblem(image: string | undefined): string | undefined {
  return /^nats:2\.1\d\.\d+(-[a-z0-9]+)?$/.test(image ?? '') ? undefined : `image ${image} must be nats:2.10.x or later, pinned to a patch release`;
}

/**
 * Asks the real nats-server to parse a config file (-t): syntax, unknown fields and unresolved
 * $VARIABLES are all errors there. Returns nats-server's complaint, or undefined when it is valid.
 */
export function natsConfigProblem(configText: string, env: Record<string, string>): string | undefined {
  if (!natsServerAvailable()) throw new NatsServerMissingError();
  const dir = mkdtempSync(join(tmpdir(), 'nats-conf-check-'));
  try {
    const file = join(dir, 'nats.conf');
    writeFileSync(file, configText);
    // Only the given env: a variable the deployment forgot must not be satisfied by this machine's env.
    const result = spawnSync(NATS_SERVER_BIN, ['-c', file, '-t'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
    return result.status === 0 ? undefined : `${result.stdout}${result.stderr}`.trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** $VARIABLES a NATS config takes from the environment. */
export function natsConfigVariables(configText: string): string[] {
  // Quoted strings are literals (subjects like "$JS.API.>" in permissions are not variables).
  const withoutComments = configText.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/#.*$/gm, '');
  return [...new Set([...withoutComments.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]))];
}

/** Simple field lookups in a NATS config (key: value on one line), enough for the values we cross-check. */
export function natsConfigValue(configText: string, key: string): string | undefined {
  const m = new RegExp(`^\\s*${key}\\s*[:=]\\s*([^\\s#]+)`, 'm').exec(configText);
  return m?.[1];
}

/** The cluster routes block's URLs. */
export function natsRoutes(configText: string): string[] {
  const block = /routes\s*[:=]?\s*\[([^\]]*)\]/m.exec(configText.replace(/#.*$/gm, ''));
  return block ? block[1].split(/[\s,]+/).filter(Boolean) : [];
}
