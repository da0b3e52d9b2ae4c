/** A NATS credential or TLS setting that cannot work; names the variable so an operator can fix it. */
export class NatsAuthConfigError extends Error {
  readonly code = 'INVALID_NATS_AUTH';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'NatsAuthConfigError';
  }
}
