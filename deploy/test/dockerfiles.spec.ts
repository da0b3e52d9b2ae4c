import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { REPO_ROOT } from './support/kustomize.js';
import { dockerIgnored, dockerignorePatterns, parseDockerfile } from './support/dockerfile.js';
import { dockerfileProblems, dockerignoreProblems, type DockerfileExpectations } from './checks/dockerfile-checks.js';
import { ENGINE_ENV_VARS, GATEWAY_ENV_VARS } from './support/app-config.js';
import { ENGINE_NODE_FLAGS } from '../../apps/matching-engine/src/engine/node-flags.js';

// No Docker engine runs on the development machine: these are static checks of the Dockerfiles,
// not a build. docs/operations.md says so too.
const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');
const patterns = dockerignorePatterns(read('.dockerignore'));
const defaultPort = (vars: readonly { name: string; default: string | undefined }[], name: string) => Number(vars.find((v) => v.name === name)!.default);

const APPS: [string, DockerfileExpectations][] = [
  ['gateway', { app: 'gateway', ports: [defaultPort(GATEWAY_ENV_VARS, 'PORT'), defaultPort(GATEWAY_ENV_VARS, 'ADMIN_PORT')], repoRoot: REPO_ROOT, dockerignore: patterns }],
  ['matching-engine', { app: 'matching-engine', ports: [defaultPort(ENGINE_ENV_VARS, 'ADMIN_PORT')], repoRoot: REPO_ROOT, dockerignore: patterns, nodeFlags: ENGINE_NODE_FLAGS }],
];

describe.each(APPS)('deploy/docker/%s.Dockerfile', (name, expectations) => {
  const text = read(`deploy/docker/${name}.Dockerfile`);

  it('is multi-stage, production deps only, non-root, tini as PID 1, HEALTHCHECK, native uWS verified', () => {
    expect(dockerfileProblems(parseDockerfile(text), expectations)).toEqual([]);
  });

  it('runs the script the root package.json start script runs, with the same node flags', () => {
    const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>;
    const start = name === 'gateway' ? scripts['start:gateway'] : scripts['start:engine'];
    const flags = expectations.nodeFlags ?? [];
    expect(start).toBe(['node', ...flags, `apps/${name}/dist/main.js`].join(' '));
    expect(text).toContain(`CMD ${JSON.stringify(['node', ...flags, `apps/${name}/dist/main.js`]).replaceAll(',', ', ')}`);
  });

  describe('the Dockerfile checks catch', () => {
    const check = (mutated: string) => dockerfileProblems(parseDockerfile(mutated), expectations).join('\n');
    it('a root user, a missing or named USER', () => {
      expect(check(text.replace(/^USER .*$/m, 'USER 0'))).toMatch(/USER 0 is root/);
      expect(check(text.replace(/^USER .*$/m, 'USER node'))).toMatch(/must be numeric/);
      expect(check(text.replace(/^USER .*$/m, ''))).toMatch(/no USER/);
    });
    it('dev dependencies in the image', () => {
      expect(check(text.replace('npm ci --omit=dev', 'npm ci'))).toMatch(/--omit=dev/);
    });
    it('no tini, shell-form CMD, npm as the process', () => {
      expect(check(text.replace(/^ENTRYPOINT .*$/m, ''))).toMatch(/ENTRYPOINT must be/);
      expect(check(text.replace(/^CMD .*$/m, `CMD node apps/${name}/dist/main.js`))).toMatch(/exec form/);
      expect(check(text.replace(/^CMD .*$/m, 'CMD ["npm", "start"]'))).toMatch(/not node/);
    });
    it('node flags other than the expected ones', () => {
      expect(check(text.replace(/^CMD .*$/m, `CMD ["node", "--max-old-space-size=512", "apps/${name}/dist/main.js"]`))).toMatch(/CMD passes node --max-old-space-size=512/);
      if (expectations.nodeFlags?.length) expect(check(text.replace(/^CMD .*$/m, `CMD ["node", "apps/${name}/dist/main.js"]`))).toMatch(/no flags, expected --max-semi-space-size=64/);
    });
    it('an Alpine or floating base image', () => {
      expect(check(text.replace(/^ARG NODE_IMAGE=.*$/m, 'ARG NODE_IMAGE=node:20-alpine'))).toMatch(/must be node:20/);
      expect(check(text.replace(/^ARG NODE_IMAGE=.*$/m, 'ARG NODE_IMAGE=node:20-bookworm-slim'))).toMatch(/must be node:20/);
    });
    it('a missing HEALTHCHECK, a wrong EXPOSE, a single stage', () => {
      expect(check(text.replace(/^HEALTHCHECK .*$/m, ''))).toMatch(/no exec-form HEALTHCHECK/);
      expect(check(text.replace(/^EXPOSE .*$/m, 'EXPOSE 3000'))).toMatch(/EXPOSE lacks .* 9090/);
      const lastFrom = text.lastIndexOf('FROM ');
      expect(check(text.slice(0, text.indexOf('FROM ')) + text.slice(lastFrom))).toMatch(/multi-stage/);
    });
    it('a COPY of a file .dockerignore drops', () => {
      expect(check(text.replace('COPY deploy/docker/healthcheck.mjs', 'COPY k8s/base/kustomization.yaml deploy/docker/healthcheck.mjs'))).toMatch(/excluded by .dockerignore/);
    });
  });
});

describe('.dockerignore', () => {
  it('sends the sources and manifests, never node_modules, dist, tests or .git', () => {
    expect(dockerignoreProblems(patterns)).toEqual([]);
  });

  it('is checked with Docker semantics: last match wins, "!" re-includes, parents count', () => {
    expect(dockerIgnored(['*', '!apps/', '**/dist'], 'apps/x/src/a.ts')).toBe(false);
    expect(dockerIgnored(['*', '!apps/', '**/dist'], 'apps/x/dist/a.js')).toBe(true);
    expect(dockerIgnored(['*'], 'README.md')).toBe(true);
    expect(dockerignoreProblems(['node_modules'])).toEqual(expect.arrayContaining([expect.stringMatching(/apps\/gateway\/dist/)]));
  });
});
