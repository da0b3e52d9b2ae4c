/** Invalid configuration: names the environment variable so an operator can fix it without reading code. */
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
