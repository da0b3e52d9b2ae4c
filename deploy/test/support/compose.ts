import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './kustomize.js';
import type { Json } from './k8s-object.js';

export class ComposeInterpolationError extends Error {
  readonly code = 'COMPOSE_INTERPOLATION';
}

/** Compose variable interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, $$. */
export function interpolate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-|:?\?)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced, op, arg, bare) => {
    if (whole === '$$') return '$';
    const name = braced ?? bare;
    const value = env[name];
    if (op === undefined) return value ?? '';
    const unsetOrEmpty = value === undefined || (op.startsWith(':') && value === '');
    if (op.endsWith('-')) return unsetOrEmpty ? arg : value!;
    if (unsetOrEmpty) throw new ComposeInterpolationError(`${name}: ${arg || 'required'}`);
    return value!;
  });
}

function interpolateDeep(value: Json, env: Record<string, string | undefined>): Json {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, env));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, env)]));
  return value;
}

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }> | string[];
  stop_grace_period?: string;
  read_only?: boolean;
  tmpfs?: string[];
  cap_drop?: string[];
  security_opt?: string[];
  profiles?: string[];
  [key: string]: Json;
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** docker-compose.yml as `docker compose config` would see it (merge keys, interpolation with the given env). */
export function loadCompose(env: Record<string, string | undefined> = {}, file = 'docker-compose.yml'): ComposeFile {
  const raw = parse(readFileSync(join(REPO_ROOT, file), 'utf8'), { merge: true }) as Json;
  const resolved = interpolateDeep(raw, env) as ComposeFile;
  for (const service of Object.values(resolved.services)) {
    // Compose also accepts environment as a list of NAME=value.
    if (Array.isArray(service.environment)) {
      service.environment = Object.fromEntries((service.environment as string[]).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
    }
  }
  return resolved;
}
