/**
 * Exit codes of the CLI. Scripts branch on them, so each failure class has its own code and the
 * CLI never prints a stack trace for anything a user can cause.
 */
export const ExitCode = {
  OK: 0,
  /** The operation ran but its answer is negative: engine refusal, invalid token. */
  FAILED: 1,
  /** Bad arguments: unknown command or option, missing or malformed value. */
  USAGE: 2,
  /** NATS unreachable, no engine owns the symbol, or no answer in time. */
  UNAVAILABLE: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Base of every error the CLI reports to the user as a one-line message. */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super('USAGE', message, ExitCode.USAGE);
  }
}

export class NatsUnavailableError extends CliError {
  constructor(message: string) {
    super('NATS_UNAVAILABLE', message, ExitCode.UNAVAILABLE);
  }
}

export class NoEngineError extends CliError {
  constructor(message: string) {
    super('NO_RESPONDERS', message, ExitCode.UNAVAILABLE);
  }
}

export class RequestTimeoutError extends CliError {
  constructor(message: string) {
    super('TIMEOUT', message, ExitCode.UNAVAILABLE);
  }
}

export class InvalidTokenError extends CliError {
  constructor(message: string) {
    super('INVALID_TOKEN', message, ExitCode.FAILED);
  }
}
