import { ConfigError } from './config-error.js';
import type { EnvVarSpec } from './env-var-spec.js';

export type Env = Record<string, string | undefined>;

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads a service's environment against its documented variable list, so that a default lives in
 * one place (the list the README is generated from) and cannot drift from the code. Every failure is
 * a ConfigError naming the variable.
 */
export class EnvReader {
  private readonly defaults = new Map<string, string | undefined>();
  private readonly ranges = new Map<string, readonly [number, number?]>();

  constructor(
    private readonly env: Env,
    specs: readonly EnvVarSpec[],
  ) {
    for (const spec of specs) {
      this.defaults.set(spec.name, spec.default);
      if (spec.range) this.ranges.set(spec.name, spec.range);
    }
  }

  /** Trimmed value, or the documented default when unset or blank; undefined when neither exists. */
  text(name: string): string | undefined {
    if (!this.defaults.has(name)) throw new Error(`${name} is not in this service's documented variables`);
    const value = this.env[name];
    if (value !== undefined && value.trim() !== '') return value.trim();
    const fallback = this.defaults.get(name);
    return fallback === '' ? undefined : fallback;
  }

  /** True when the operator set the variable (not blank). */
  isSet(name: string): boolean {
    return (this.env[name]?.trim() ?? '') !== '';
  }

  required(name: string): string {
    const value = this.text(name);
    if (value === undefined) throw new ConfigError(name, 'is required');
    return value;
  }

  /** A whole decimal number within the variable's documented `range`: no sign, exponent, fraction or hex. */
  integer(name: string): number {
    const range = this.ranges.get(name);
    if (!range) throw new Error(`${name} has no documented range`);
    const [min, max] = range;
    const value = this.text(name);
    if (value === undefined) throw new ConfigError(name, 'is required');
    if (!/^[0-9]+$/.test(value)) throw new ConfigError(name, `must be a whole number, got ${JSON.stringify(value)}`);
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min || (max !== undefined && n > max)) {
      throw new ConfigError(name, `${max === undefined ? `must be at least ${min}` : `must be between ${min} and ${max}`}, got ${value}`);
    }
    return n;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T {
    const value = this.required(name).toLowerCase();
    if (!(allowed as readonly string[]).includes(value)) throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
    return value as T;
  }

  logLevel(name = 'LOG_LEVEL'): LogLevel {
    return this.oneOf(name, LOG_LEVELS);
  }

  /** Comma-separated NATS server URLs (nats://, tls://, ws://, wss:// or host:port). */
  natsServers(name = 'NATS_URL'): string[] {
    const value = this.required(name);
    const servers = value.split(',').map((s) => s.trim());
    for (const server of servers) {
      if (server === '') throw new ConfigError(name, `has an empty entry in ${JSON.stringify(value)}`);
      if (!/^(nats|tls|ws|wss):\/\/[^\s/]+$/.test(server) && !/^[^\s/:]+:[0-9]+$/.test(server)) {
        throw new ConfigError(name, `${JSON.stringify(server)} is not a NATS URL such as nats://127.0.0.1:4222`);
      }
    }
    return servers;
  }

  /**
   * Runs a parser owned by another module (symbol lists, NATS credentials) and turns the typed
   * errors it throws (those with a string `code`) into a ConfigError naming `name`, or the variable
   * the error itself names. Anything else is a bug and propagates unchanged.
   */
  parse<T>(name: string, parser: (env: Env) => T): T {
    try {
      return parser(this.env);
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      const { code, variable } = (err ?? {}) as { code?: unknown; variable?: unknown };
      if (typeof code !== 'string') throw err;
      throw new ConfigError(typeof variable === 'string' ? variable : name, (err as Error).message);
    }
  }
}
