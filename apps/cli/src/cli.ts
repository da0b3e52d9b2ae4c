import type { CliIo } from './io.js';
import { CliError, ExitCode, UsageError } from './errors.js';
import { USAGE } from './usage.js';
import { checktoken, gentoken } from './commands/token-commands.js';
import { cancel, place, snapshot } from './commands/order-commands.js';
import { tail } from './commands/tail.js';
import { simulate } from './commands/simulate.js';

type Command = (args: readonly string[], io: CliIo) => Promise<number>;

export const COMMANDS: Readonly<Record<string, Command>> = { gentoken, checktoken, tail, place, cancel, snapshot, simulate };

/**
 * Runs one CLI invocation and returns its exit code. User errors become one line on stderr (no
 * stack trace); only a bug in the CLI itself shows a stack.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.err(USAGE);
    return name === undefined ? ExitCode.USAGE : ExitCode.OK;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  try {
    if (!command) throw new UsageError(`unknown command "${name}"`);
    if (args.includes('--help') || args.includes('-h')) {
      io.err(USAGE);
      return ExitCode.OK;
    }
    return await command(args, io);
  } catch (err) {
    if (err instanceof CliError) {
      io.err(`error: ${err.message}`);
      if (err instanceof UsageError) io.err('run "npm run cli -- help" for usage');
      return err.exitCode;
    }
    throw err;
  }
}
