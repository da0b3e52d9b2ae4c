import { describe, expect, it } from '@jest/globals';
import { OVERLAYS, renderOverlay } from './support/kustomize.js';
import { unknownFieldProblems } from './support/strict-fields.js';
import { clone, find } from './support/k8s-object.js';

// Type-checking the rendered objects takes a few CPU seconds; on a loaded 2-core machine, more.
const TYPECHECK_TIMEOUT_MS = 120_000;

describe('k8s field names', () => {
  it('every overlay uses only fields the Kubernetes types define (one TypeScript program for all)', () => {
    expect(unknownFieldProblems(OVERLAYS.flatMap((overlay) => renderOverlay(overlay)))).toEqual([]);
  }, TYPECHECK_TIMEOUT_MS);

  it('names a misspelt field at any depth, which the JSON schemas let through', () => {
    const deployment = clone(find(renderOverlay('dev'), 'Deployment', 'gateway')!);
    const sc = deployment.spec.template.spec.containers[0].securityContext;
    sc.readOnlyRootFileSystem = sc.readOnlyRootFilesystem;
    delete sc.readOnlyRootFilesystem;
    const problems = unknownFieldProblems([deployment]);
    expect(problems).toEqual([expect.stringMatching(/^trading-dev\/Deployment\/gateway: .*"readOnlyRootFileSystem"' does not exist in type 'ISecurityContext'/)]);
  }, TYPECHECK_TIMEOUT_MS);
});
