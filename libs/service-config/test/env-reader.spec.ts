import { describe, expect, it } from '@jest/globals';
import { ConfigError, EnvReader, type EnvVarSpec } from '../src/index.js';

const SPECS: EnvVarSpec[] = [
  { name: 'PORT', default: '8080', description: 'port', range: [0, 65535] },
  { name: 'COUNT', default: '5', description: 'at least 1, no upper bound', range: [1] },
  { name: 'NAME', default: '', description: 'optional, no default' },
  { name: 'SYMBOLS', default: undefined, description: 'required' },
  { name: 'LOG_LEVEL', default: 'info', description: 'level' },
  { name: 'NATS_URL', default: 'nats://127.0.0.1:4222', description: 'servers' },
];

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('EnvReader', () => {
  it('takes the documented default when a variable is unset or blank, and trims what is set', () => {
    expect(new EnvReader({}, SPECS).integer('PORT')).toBe(8080);
    expect(new EnvReader({ PORT: '  ' }, SPECS).integer('PORT')).toBe(8080);
    expect(new EnvReader({ PORT: ' 81 ' }, SPECS).integer('PORT')).toBe(81);
    expect(new EnvReader({}, SPECS).text('NAME')).toBeUndefined();
    expect(new EnvReader({ NAME: 'x' }, SPECS).isSet('NAME')).toBe(true);
    expect(new EnvReader({ NAME: ' ' }, SPECS).isSet('NAME')).toBe(false);
  });

  it('refuses to read a variable that is not documented (a default could otherwise drift)', () => {
    expect(() => new EnvReader({ OTHER: '1' }, SPECS).text('OTHER')).toThrow(/not in this service's documented variables/);
  });

  it.each(['-1', '1e3', '0x10', '1.5', '12abc', '99999999999999999999'])('refuses %j as a whole number, naming the variable', (value) => {
    const err = configError(() => new EnvReader({ PORT: value }, SPECS).integer('PORT'));
    expect(err.variable).toBe('PORT');
    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.message).toMatch(/^PORT: /);
  });

  it('takes the bounds from the documented range; a variable without one cannot be read as a number (a bug, not bad config)', () => {
    expect(new EnvReader({ COUNT: '9007199254740991' }, SPECS).integer('COUNT')).toBe(Number.MAX_SAFE_INTEGER);
    expect(configError(() => new EnvReader({ COUNT: '0' }, SPECS).integer('COUNT')).message).toBe('COUNT: must be at least 1, got 0');
    expect(() => new EnvReader({ NAME: '3' }, SPECS).integer('NAME')).toThrow('NAME has no documented range');
    expect(() => new EnvReader({ NAME: '3' }, SPECS).integer('NAME')).not.toThrow(ConfigError);
  });

  it('enforces bounds and required variables', () => {
    expect(configError(() => new EnvReader({ PORT: '70000' }, SPECS).integer('PORT')).message).toBe('PORT: must be between 0 and 65535, got 70000');
    expect(configError(() => new EnvReader({}, SPECS).required('SYMBOLS')).message).toBe('SYMBOLS: is required');
  });

  it('reads log levels case-insensitively and refuses unknown ones', () => {
    expect(new EnvReader({ LOG_LEVEL: 'WARN' }, SPECS).logLevel()).toBe('warn');
    expect(configError(() => new EnvReader({ LOG_LEVEL: 'loud' }, SPECS).logLevel()).variable).toBe('LOG_LEVEL');
  });

  it('reads NATS server lists and names the bad entry', () => {
    expect(new EnvReader({ NATS_URL: 'nats://a:4222, tls://b:4222,c:4222' }, SPECS).natsServers()).toEqual(['nats://a:4222', 'tls://b:4222', 'c:4222']);
    expect(configError(() => new EnvReader({ NATS_URL: 'nats://a:4222,,x' }, SPECS).natsServers()).message).toMatch(/empty entry/);
    expect(configError(() => new EnvReader({ NATS_URL: 'http://a/b' }, SPECS).natsServers()).message).toMatch(/"http:\/\/a\/b" is not a NATS URL/);
  });

  it('turns typed errors of a delegated parser into ConfigErrors, and lets bugs through unchanged', () => {
    const reader = new EnvReader({}, SPECS);
    const typed = Object.assign(new Error('bad tick'), { code: 'INVALID_SYMBOL_CONFIG' });
    expect(configError(() => reader.parse('SYMBOLS', () => { throw typed; })).message).toBe('SYMBOLS: bad tick');
    const naming = Object.assign(new Error('no such file'), { code: 'INVALID_NATS_AUTH', variable: 'NATS_CREDS' });
    expect(configError(() => reader.parse('SYMBOLS', () => { throw naming; })).variable).toBe('NATS_CREDS');
    expect(() => reader.parse('SYMBOLS', () => { throw new TypeError('a bug'); })).toThrow(TypeError);
  });
});
