import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AdminServer } from './admin/admin-server.js';
import { EngineMetrics } from './admin/engine-metrics.js';
import { CONFIG_ERROR_EXIT_CODE, ConfigError, loadEngineConfig, type EngineConfig } from './config/engine-config.js';
import { EngineAppModule } from './engine-app.module.js';
import { EngineRuntime } from './engine/engine-runtime.js';
import { ENGINE_NODE_FLAGS, ENGINE_SEMI_SPACE_MIB, maxSemiSpaceMiB } from './engine/node-flags.js';
import { createLogger } from './logging/logger.js';
import { EngineTransportStrategy } from './transport/engine-transport-strategy.js';

async function main(): Promise<void> {
  let config: EngineConfig;
  try {
    config = loadEngineConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`matching-engine: invalid configuration: ${err.message}\n`);
      process.exit(CONFIG_ERROR_EXIT_CODE);
    }
    throw err;
  }
  const log = createLogger(config.logLevel, config.instanceId);
  const strategy = new EngineTransportStrategy();
  const app = await NestFactory.createMicroservice(EngineAppModule.forRoot(config, log), { strategy, logger: false });
  const runtime = app.get(EngineRuntime);
  strategy.attach(runtime);
  const admin = new AdminServer(config.adminPort, app.get(EngineMetrics), () => runtime.readiness(), log);
  try {
    await admin.start();
  } catch (err) {
    process.stderr.write(`matching-engine: cannot listen on ADMIN_PORT ${config.adminPort}: ${(err as Error).message}\n`);
    process.exit(CONFIG_ERROR_EXIT_CODE);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // Bounded: a stuck NATS must not keep a terminating pod around for ever.
    setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, 20_000).unref();
    app
      .close()
      .then(() => admin.stop())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err: (err as Error).message }, 'error during shutdown');
          process.exit(1);
        },
      );
  };
  // Nothing a client sends reaches here (the boundary refuses it with a reply). An unexpected
  // internal error leaves memory in an unknown state: exit, and let the next owner rebuild the
  // symbols from the journal (recovery republishes unconfirmed events, so consumers see no gap).
  const fatal = (kind: string) => (err: unknown) => {
    log.fatal({ err: (err as Error)?.stack ?? String(err) }, `${kind}; exiting`);
    process.exit(70);
  };
  process.on('uncaughtException', fatal('uncaught exception'));
  process.on('unhandledRejection', fatal('unhandled rejection'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  const semiSpaceMiB = maxSemiSpaceMiB();
  log.info({ symbols: config.symbols.map((s) => s.symbol), instanceId: config.instanceId, maxSemiSpaceMiB: semiSpaceMiB ?? 'default' }, 'matching engine starting');
  if (semiSpaceMiB === undefined || semiSpaceMiB < ENGINE_SEMI_SPACE_MIB) {
    // Works either way; under load it costs about a fifth more CPU per command (docs/engine.md).
    log.warn({ maxSemiSpaceMiB: semiSpaceMiB ?? 'default', recommended: ENGINE_NODE_FLAGS.join(' ') }, 'started without the shipped node flags: smaller young generation, more GC under load');
  }
  await app.listen();
  log.info(runtime.readiness(), 'matching engine started');
}

main().catch((err: unknown) => {
  process.stderr.write(`matching-engine: fatal: ${(err as Error)?.stack ?? err}\n`);
  process.exit(1);
});
