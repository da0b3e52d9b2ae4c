/** Where a command writes and what it reads from its environment; tests pass their own. */
export interface CliIo {
  /** One line of the command's result (JSON lines, tokens). */
  out(line: string): void;
  /** One line of human-facing information or error text. */
  err(line: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on Ctrl-C for long-running commands (tail, simulate). */
  readonly signal?: AbortSignal;
}

export function processIo(signal?: AbortSignal): CliIo {
  return {
    out: (line) => process.stdout.write(line + '\n'),
    err: (line) => process.stderr.write(line + '\n'),
    env: process.env,
    signal,
  };
}
