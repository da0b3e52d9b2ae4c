/**
 * Invalid configuration. It names the environment variable, so an operator can fix the deployment
 * without reading code; each service's `main` prints the message on one line and exits with its
 * documented code (no stack trace).
 */
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
