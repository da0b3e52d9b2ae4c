import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { K8sObject } from './k8s-object.js';

export const REPO_ROOT = new URL('../../../', import.meta.url).pathname;
export const OVERLAYS = ['dev', 'prod'] as const;
export type Overlay = (typeof OVERLAYS)[number];

/** kubectl ships kustomize (kubectl kustomize). Override with KUBECTL=/path/to/kubectl. */
export const KUBECTL = process.env.KUBECTL ?? 'kubectl';

export class KubectlMissingError extends Error {
  readonly code = 'KUBECTL_MISSING';
  constructor(detail: string) {
    super(
      `${KUBECTL} is needed to render the kustomize overlays (${detail}). It ships on the project's machine image; ` +
        'elsewhere install kubectl >= 1.27 (kustomize v5) or set KUBECTL.',
    );
  }
}

export class KustomizeRenderError extends Error {
  readonly code = 'KUSTOMIZE_RENDER_FAILED';
}

/** Renders a kustomization directory (relative to the repo root) into its objects. */
export function kustomize(dir: string): K8sObject[] {
  const result = spawnSync(KUBECTL, ['kustomize', join(REPO_ROOT, dir)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new KubectlMissingError(result.error.message);
  if (result.status !== 0) throw new KustomizeRenderError(`kubectl kustomize ${dir} failed:\n${result.stderr}`);
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(result.stdout)) {
    if (doc.errors.length > 0) throw new KustomizeRenderError(`${dir}: ${doc.errors[0].message}`);
    const value = doc.toJS();
    if (value !== null) objects.push(value as K8sObject);
  }
  return objects;
}

const cache = new Map<Overlay, K8sObject[]>();

/** Each overlay is rendered once per test file. */
export function renderOverlay(overlay: Overlay): K8sObject[] {
  let objects = cache.get(overlay);
  if (!objects) {
    objects = kustomize(`k8s/overlays/${overlay}`);
    cache.set(overlay, objects);
  }
  return objects;
}
