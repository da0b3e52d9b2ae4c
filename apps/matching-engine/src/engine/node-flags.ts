/**
 * Node/V8 flags the engine is started with everywhere it is shipped: the image's CMD
 * (deploy/docker/matching-engine.Dockerfile, which docker compose and Kubernetes run unchanged),
 * `npm run start:engine`, `npm start`'s dev stack and the engine benchmarks. deploy/test checks that
 * they all say the same.
 *
 * `--max-semi-space-size=64`: a 64 MiB young-generation semi-space (V8's default is 16 MiB on
 * 64-bit). Every command's reply and events live until its journal batch is acknowledged, long
 * enough to outlive a 16 MiB scavenge cycle under load, so they were copied and promoted; with
 * 64 MiB most die young. Measured: about a fifth less engine CPU per command (docs/engine.md,
 * docs/benchmarks.md). It is an upper bound that V8 grows into under load: up to 3 x 64 MiB of
 * young generation (two semi-spaces and the new large-object space), which the Kubernetes memory
 * requests allow for.
 */
export const ENGINE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

/** The semi-space size the flags above ask for, in MiB. */
export const ENGINE_SEMI_SPACE_MIB = 64;

/**
 * The `--max-semi-space-size` this process was started with (command line, or NODE_OPTIONS), in
 * MiB; undefined when V8's default applies. The last occurrence wins, as in V8.
 */
export function maxSemiSpaceMiB(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env.NODE_OPTIONS ?? ''): number | undefined {
  let found: number | undefined;
  for (const arg of [...nodeOptions.split(/\s+/), ...execArgv]) {
    const m = /^--max[-_]semi[-_]space[-_]size=(\d+)$/.exec(arg);
    if (m) found = Number(m[1]);
  }
  return found;
}
