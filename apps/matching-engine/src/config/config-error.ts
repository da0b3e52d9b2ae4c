/** Invalid configuration: the process prints the message and exits with EX_CONFIG (78). */
export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIG';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** sysexits.h EX_CONFIG: an orchestrator can tell "fix the config" from a crash. */
export const CONFIG_ERROR_EXIT_CODE = 78;
