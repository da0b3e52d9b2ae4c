import { describe, expect, it } from '@jest/globals';
import { OVERLAYS, renderOverlay } from './support/kustomize.js';
import { UnknownKindError, validateAgainstSchema } from './support/k8s-schema.js';
import { clone, find } from './support/k8s-object.js';

// Every object of every overlay, rendered by kustomize and validated against the Kubernetes and
// Prometheus Operator JSON schemas of the installed kubernetes-models packages.
describe.each(OVERLAYS)('k8s overlay %s', (overlay) => {
  it('renders with kustomize into the expected kinds', () => {
    const kinds = new Set(renderOverlay(overlay).map((o) => o.kind));
    for (const kind of [
      'Namespace', 'ConfigMap', 'Service', 'StatefulSet', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget',
      'Ingress', 'NetworkPolicy', 'ServiceMonitor', 'PrometheusRule', 'ServiceAccount',
    ]) {
      expect(kinds).toContain(kind);
    }
  });

  it('validates every object against its schema', async () => {
    const failures: string[] = [];
    for (const object of renderOverlay(overlay)) {
      try {
        await validateAgainstSchema(object);
      } catch (err) {
        failures.push(`${object.kind}/${object.metadata.name}: ${(err as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('puts every namespaced object in the overlay namespace', () => {
    const objects = renderOverlay(overlay);
    const namespace = objects.find((o) => o.kind === 'Namespace')!.metadata.name;
    const stray = objects.filter((o) => o.kind !== 'Namespace' && o.metadata.namespace !== namespace).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(stray).toEqual([]);
  });
});

describe('schema validation can fail', () => {
  it('rejects a Deployment with a string where an integer belongs', async () => {
    const broken = clone(find(renderOverlay('dev'), 'Deployment', 'gateway')!);
    broken.spec.replicas = 'two';
    await expect(validateAgainstSchema(broken)).rejects.toThrow(/replicas/);
  });

  it('rejects a container port given as text', async () => {
    const broken = clone(find(renderOverlay('dev'), 'StatefulSet', 'nats')!);
    broken.spec.template.spec.containers[0].ports[0].containerPort = '4222';
    await expect(validateAgainstSchema(broken)).rejects.toThrow(/containerPort/);
  });

  it('rejects a PrometheusRule whose rule lacks an expression', async () => {
    const broken = clone(find(renderOverlay('dev'), 'PrometheusRule', 'trading')!);
    delete broken.spec.groups[0].rules[0].expr;
    await expect(validateAgainstSchema(broken)).rejects.toThrow(/expr/);
  });

  it('refuses a kind no installed schema knows instead of skipping it', async () => {
    const typo = { ...clone(find(renderOverlay('dev'), 'Service', 'gateway')!), kind: 'Servce' };
    await expect(validateAgainstSchema(typo)).rejects.toThrow(UnknownKindError);
    const wrongGroup = { ...clone(find(renderOverlay('dev'), 'Deployment', 'gateway')!), apiVersion: 'apps/v1beta9' };
    await expect(validateAgainstSchema(wrongGroup)).rejects.toThrow(UnknownKindError);
  });
});
