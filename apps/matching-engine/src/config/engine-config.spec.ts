import { describe, expect, it } from '@jest/globals';
import { ConfigError, ENGINE_ENV_VARS, loadEngineConfig } from './engine-config.js';

describe('loadEngineConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadEngineConfig({ SYMBOLS: 'BTC-USD,ETH-USD:0.5:1' });
    expect(config.natsServers).toEqual(['nats://127.0.0.1:4222']);
    expect(config.adminPort).toBe(9090);
    expect(config.logLevel).toBe('info');
    expect(config.symbols.map((s) => s.symbol)).toEqual(['BTC-USD', 'ETH-USD']);
    expect(config.leaseTtlMs).toBe(5000);
    expect(config.journalBatchMax).toBe(1000);
    expect(config.maxOpenOrdersPerUser).toBe(1000);
    expect(config.instanceId).toMatch(/-\d+$/);
    for (const v of ENGINE_ENV_VARS) {
      if (v.default !== undefined && /^\d+$/.test(v.default)) expect(Object.values(config)).toContain(Number(v.default));
    }
  });

  it('gives the event streams as many replicas as the journal unless EVENTS_REPLICAS says otherwise', () => {
    expect(loadEngineConfig({ SYMBOLS: 'BTC-USD' }).eventsReplicas).toBe(1);
    expect(loadEngineConfig({ SYMBOLS: 'BTC-USD', JOURNAL_REPLICAS: '3' }).eventsReplicas).toBe(3);
    expect(loadEngineConfig({ SYMBOLS: 'BTC-USD', JOURNAL_REPLICAS: '3', EVENTS_REPLICAS: '1' }).eventsReplicas).toBe(1);
  });

  it('reads every variable', () => {
    const config = loadEngineConfig({
      NATS_URL: 'nats://a:4222, nats://b:4222',
      SYMBOLS: 'BTC-USD',
      ADMIN_PORT: '9191',
      LOG_LEVEL: 'DEBUG',
      INSTANCE_ID: 'engine-0',
      LEASE_TTL_MS: '3000',
      SNAPSHOT_INTERVAL_COMMANDS: '10',
      SNAPSHOT_INTERVAL_MS: '1000',
      JOURNAL_BATCH_MAX: '50',
      JOURNAL_STREAM_MAX_AGE: '86400',
      JOURNAL_REPLICAS: '3',
      JOURNAL_APPEND_TIMEOUT_MS: '2000',
      PROGRESS_INTERVAL_MS: '100',
      RECOVERY_CONCURRENCY: '8',
      MAX_OPEN_ORDERS_PER_USER: '0',
      EVENTS_MAX_AGE_MS: '60000',
      EVENTS_MAX_BYTES: '2097152',
      EVENTS_REPLICAS: '3',
    });
    expect(config).toMatchObject({
      natsServers: ['nats://a:4222', 'nats://b:4222'],
      adminPort: 9191,
      logLevel: 'debug',
      instanceId: 'engine-0',
      leaseTtlMs: 3000,
      snapshotIntervalCommands: 10,
      snapshotIntervalMs: 1000,
      journalBatchMax: 50,
      journalStreamMaxAgeSeconds: 86400,
      journalReplicas: 3,
      journalAppendTimeoutMs: 2000,
      progressIntervalMs: 100,
      recoveryConcurrency: 8,
      maxOpenOrdersPerUser: 0,
      eventsMaxAgeMs: 60000,
      eventsMaxBytes: 2097152,
      eventsReplicas: 3,
    });
  });

  it.each([
    [{}, 'SYMBOLS'],
    [{ SYMBOLS: 'BTC-USD,BTC-USD' }, 'SYMBOLS'],
    [{ SYMBOLS: 'BTC-USD', ADMIN_PORT: '-1' }, 'ADMIN_PORT'],
    [{ SYMBOLS: 'BTC-USD', LEASE_TTL_MS: '10' }, 'LEASE_TTL_MS'],
    [{ SYMBOLS: 'BTC-USD', JOURNAL_BATCH_MAX: '0' }, 'JOURNAL_BATCH_MAX'],
    [{ SYMBOLS: 'BTC-USD', JOURNAL_REPLICAS: '2.5' }, 'JOURNAL_REPLICAS'],
    [{ SYMBOLS: 'BTC-USD', EVENTS_MAX_AGE_MS: '10' }, 'EVENTS_MAX_AGE_MS'],
    [{ SYMBOLS: 'BTC-USD', EVENTS_MAX_BYTES: '1k' }, 'EVENTS_MAX_BYTES'],
    [{ SYMBOLS: 'BTC-USD', EVENTS_REPLICAS: '0' }, 'EVENTS_REPLICAS'],
    [{ SYMBOLS: 'BTC-USD', MAX_OPEN_ORDERS_PER_USER: '-5' }, 'MAX_OPEN_ORDERS_PER_USER'],
    [{ SYMBOLS: 'BTC-USD', NATS_URL: 'nats://a:1,,nats://b:2' }, 'NATS_URL'],
    [{ SYMBOLS: 'BTC-USD', INSTANCE_ID: 'has space' }, 'INSTANCE_ID'],
    [{ SYMBOLS: 'BTC-USD', LOG_LEVEL: 'chatty' }, 'LOG_LEVEL'],
  ])('refuses %j naming %s', (env, variable) => {
    try {
      loadEngineConfig(env as NodeJS.ProcessEnv);
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).variable).toBe(variable);
      expect((err as ConfigError).message.startsWith(`${variable}: `)).toBe(true);
    }
  });

  it('documents each variable once with a description', () => {
    const names = ENGINE_ENV_VARS.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['NATS_URL', 'SYMBOLS', 'ADMIN_PORT', 'LOG_LEVEL']));
    for (const v of ENGINE_ENV_VARS) expect(v.description.length).toBeGreaterThan(10);
  });
});
