export { ConfigError } from './config-error.js';
export type { EnvVarSpec } from './env-var-spec.js';
export { EnvReader, LOG_LEVELS, type Env, type LogLevel } from './env-reader.js';
