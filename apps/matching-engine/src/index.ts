// What other packages (deployment checks, benchmarks) may import from the engine.
export { ENGINE_ENV_VARS, loadEngineConfig, ConfigError, CONFIG_ERROR_EXIT_CODE } from './config/engine-config.js';
export type { EngineConfig } from './config/engine-config.js';
export type { EnvVarSpec } from '@trading/service-config';
export { JOURNAL_STREAM, journalSubject } from './journal/journal-stream.js';
export { LEASE_BUCKET } from './leases/lease-manager.js';
export { SNAPSHOT_STREAM } from './snapshots/snapshot-store.js';
export { PROGRESS_BUCKET } from './progress/publish-watermark.js';
