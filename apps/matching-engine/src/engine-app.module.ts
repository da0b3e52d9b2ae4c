import { Module, type DynamicModule } from '@nestjs/common';
import { createSymbolEngine } from '@trading/order-book';
import { EngineMetrics } from './admin/engine-metrics.js';
import type { EngineConfig } from './config/engine-config.js';
import { EngineRuntime } from './engine/engine-runtime.js';
import { ENGINE_CONFIG, ENGINE_LOGGER, SYMBOL_ENGINE_FACTORY } from './engine/tokens.js';
import type { Logger } from './logging/logger.js';
import type { SymbolEngineFactory } from './sequencer/symbol-recovery.js';

/** The engine's providers; config and logger come from main (env is read once, before Nest starts). */
@Module({})
export class EngineAppModule {
  static forRoot(config: EngineConfig, log: Logger): DynamicModule {
    const factory: SymbolEngineFactory = (spec, state) => createSymbolEngine(spec, state, { maxOpenOrdersPerUser: config.maxOpenOrdersPerUser });
    return {
      module: EngineAppModule,
      providers: [
        { provide: ENGINE_CONFIG, useValue: config },
        { provide: ENGINE_LOGGER, useValue: log },
        { provide: SYMBOL_ENGINE_FACTORY, useValue: factory },
        EngineMetrics,
        EngineRuntime,
      ],
      exports: [EngineRuntime, EngineMetrics],
    };
  }
}
