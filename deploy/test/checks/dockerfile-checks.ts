import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { dockerIgnored, execForm, type ParsedDockerfile, type Stage } from '../support/dockerfile.js';

export interface DockerfileExpectations {
  /** apps/<app> */
  app: string;
  /** Ports the app listens on by default (from its ENV_VARS defaults). */
  ports: number[];
  repoRoot: string;
  dockerignore: string[];
  /** Node/V8 flags the CMD must pass to node before the script (the engine's ENGINE_NODE_FLAGS). */
  nodeFlags?: readonly string[];
}

function resolveArgs(text: string, args: Record<string, string>): string {
  return text.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (whole, name) => args[name] ?? whole);
}

/** The image properties the project requires of every app Dockerfile (docs/operations.md#images). */
export function dockerfileProblems(file: ParsedDockerfile, expect: DockerfileExpectations): string[] {
  const problems: string[] = [];
  const { stages } = file;
  if (stages.length < 2) problems.push(`multi-stage build expected, found ${stages.length} stage(s)`);
  const final = stages[stages.length - 1];
  if (!final) return ['no FROM'];
  const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
  const stageNamed = (name: string) => stages.find((s) => s.name === name);

  // Base image: Debian glibc Node 20, pinned to a full version (uWebSockets.js native binary, ABI 115).
  const base = resolveArgs(final.base, file.globalArgs);
  if (!/^node:20\.\d+\.\d+-(bookworm|bullseye)(-slim)?(@sha256:[a-f0-9]{64})?$/.test(base)) {
    problems.push(`runtime base ${base} must be node:20.x.y-bookworm[-slim] (Debian glibc >= 2.27, Node ABI 115; not alpine/musl, not a floating tag)`);
  }
  for (const stage of stages) {
    const b = resolveArgs(stage.base, file.globalArgs);
    if (!stageNamed(b) && b !== base) problems.push(`stage ${stage.name ?? '?'} builds on ${b}, not the pinned base ${base}`);
  }

  // Production dependencies only: node_modules in the image come from a stage that ran npm ci --omit=dev.
  const copies = all(final, 'COPY');
  const modulesCopy = copies.find((c) => /\bnode_modules\b/.test(c.args));
  const fromStage = modulesCopy && /--from=(\S+)/.exec(modulesCopy.args)?.[1];
  const depsStage = fromStage ? stageNamed(fromStage) : undefined;
  if (!depsStage) problems.push('the runtime stage must copy node_modules from a dependencies stage');
  else if (!all(depsStage, 'RUN').some((r) => /npm ci\b[^&;]*--omit=dev/.test(r.args))) problems.push(`stage ${depsStage.name} must install with npm ci --omit=dev`);
  if (all(final, 'RUN').some((r) => /npm (ci|install)\b/.test(r.args) && !/--omit=dev/.test(r.args))) problems.push('the runtime stage installs dev dependencies');

  // Non-root numeric user: the last USER of the runtime stage is what the service runs as.
  const users = all(final, 'USER');
  const user = users[users.length - 1];
  const uid = user && /^(\d+)(?::\d+)?$/.exec(user.args)?.[1];
  if (!user) problems.push('no USER in the runtime stage (it would run as root)');
  else if (!uid) problems.push(`USER ${user.args} must be numeric (Kubernetes runAsNonRoot cannot verify a name)`);
  else if (uid === '0') problems.push('USER 0 is root');

  // PID 1 forwards signals: tini as ENTRYPOINT, installed in the runtime stage, exec form throughout.
  const entrypoint = all(final, 'ENTRYPOINT').pop();
  const entry = entrypoint && execForm(entrypoint.args);
  if (!entry || !/(^|\/)tini$/.test(entry[0]) || entry[entry.length - 1] !== '--') problems.push('ENTRYPOINT must be ["/usr/bin/tini", "--"] in exec form');
  if (!all(final, 'RUN').some((r) => /apt-get install[^&;]*\btini\b/.test(r.args))) problems.push('tini is not installed in the runtime stage');
  const cmdIns = all(final, 'CMD').pop();
  const cmd = cmdIns && execForm(cmdIns.args);
  if (!cmd) problems.push('CMD must be in exec form (a shell would be PID 1 behind tini and swallow SIGTERM)');
  else {
    if (cmd[0] !== 'node') problems.push(`CMD starts ${cmd[0]}, not node (npm does not forward signals)`);
    // node [flags...] apps/<app>/dist/main.js: flags before the script are node's, after it the app's.
    const script = cmd.findIndex((arg, i) => i > 0 && !arg.startsWith('-'));
    if (cmd[script] !== `apps/${expect.app}/dist/main.js`) problems.push(`CMD runs ${cmd[script]}, not apps/${expect.app}/dist/main.js`);
    const flags = cmd.slice(1, script < 0 ? cmd.length : script);
    const wanted = expect.nodeFlags ?? [];
    if (flags.join(' ') !== wanted.join(' ')) problems.push(`CMD passes node ${flags.join(' ') || 'no flags'}, expected ${wanted.join(' ') || 'none'}`);
  }
  if (!all(stageNamed('build') ?? final, 'RUN').some((r) => r.args.includes(`tsc -b apps/${expect.app}`))) problems.push(`no stage compiles apps/${expect.app}`);

  // HEALTHCHECK on the admin endpoint, with a script the image really contains.
  const health = all(final, 'HEALTHCHECK').pop();
  const healthCmd = health && execForm(health.args.replace(/^(--\S+\s+)*CMD\s+/, ''));
  if (!healthCmd) problems.push('no exec-form HEALTHCHECK in the runtime stage');
  else {
    const script = healthCmd.find((a) => a.endsWith('.mjs') || a.endsWith('.js'));
    const workdir = (all(final, 'WORKDIR').pop()?.args ?? '/').replace(/\/?$/, '/');
    const destination = (c: { args: string }) => c.args.split(/\s+/).pop()!.replace(/^\.\//, workdir);
    const copied = copies.find((c) => script && c.args.includes(script.split('/').pop()!) && script.startsWith(destination(c)));
    if (!script || !copied) problems.push(`HEALTHCHECK script ${script} is not copied into the image at that path`);
    if (!healthCmd.includes('/healthz')) problems.push('HEALTHCHECK must ask /healthz');
  }

  // The native uWebSockets.js binary must load in the runtime image (else a silent JS fallback).
  if (!all(final, 'RUN').some((r) => r.args.includes('verify-native-uws'))) problems.push('the runtime stage does not verify that uWebSockets.js loads natively');

  // Ports.
  const exposed = all(final, 'EXPOSE').flatMap((e) => e.args.split(/\s+/).map((p) => Number(p.split('/')[0])));
  for (const port of expect.ports) if (!exposed.includes(port)) problems.push(`EXPOSE lacks the app's default port ${port}`);
  for (const port of exposed) if (!expect.ports.includes(port)) problems.push(`EXPOSE ${port} is not a port the app listens on`);

  // Every file COPY'd from the build context exists and is not excluded by .dockerignore.
  for (const stage of stages) {
    for (const copy of all(stage, 'COPY')) {
      if (/--from=/.test(copy.args)) continue;
      const parts = copy.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      for (const src of parts.slice(0, -1)) {
        if (src === '.') continue;
        if (!existsSync(join(expect.repoRoot, src))) problems.push(`COPY ${src}: no such file in the repository`);
        else if (dockerIgnored(expect.dockerignore, src)) problems.push(`COPY ${src}: excluded by .dockerignore`);
      }
    }
  }
  return problems;
}

/** What the build context must and must not contain. */
export function dockerignoreProblems(patterns: string[]): string[] {
  const problems: string[] = [];
  for (const path of ['node_modules/x', 'apps/gateway/node_modules/x', 'apps/gateway/dist/main.js', 'libs/contracts/dist/index.js', '.git/config', 'k8s/base/kustomization.yaml', 'apps/gateway/test/x.spec.ts']) {
    if (!dockerIgnored(patterns, path)) problems.push(`${path} would be sent to the build context`);
  }
  for (const path of ['package.json', 'package-lock.json', 'tsconfig.base.json', 'apps/gateway/src/main.ts', 'apps/gateway/package.json', 'apps/gateway/tsconfig.json', 'libs/contracts/src/index.ts', 'deploy/docker/healthcheck.mjs']) {
    if (dockerIgnored(patterns, path)) problems.push(`${path} is excluded from the build context but the build needs it`);
  }
  return problems;
}
