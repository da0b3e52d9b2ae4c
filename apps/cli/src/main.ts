#!/usr/bin/env node
import { runCli } from './cli.js';
import { processIo } from './io.js';

// Ctrl-C / SIGTERM end long-running commands (tail, simulate) cleanly instead of killing them mid-write.
const controller = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  });
}

runCli(process.argv.slice(2), processIo(controller.signal)).then(
  // Exit at once: the command is done and no library timer should keep the process alive.
  // (stdout/stderr writes to pipes and files are synchronous on Linux, so nothing is lost.)
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`internal error: ${(err as Error)?.stack ?? err}\n`);
    process.exit(70);
  },
);
