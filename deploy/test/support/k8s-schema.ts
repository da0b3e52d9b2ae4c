import type { K8sObject } from './k8s-object.js';

/** The installed schema packages, by API group: kubernetes-models and the Prometheus Operator CRDs. */
export function modulePath(apiVersion: string, kind: string): string | undefined {
  if (!/^[A-Za-z0-9.]+(\/[a-z0-9]+)?$/.test(apiVersion) || !/^[A-Z][A-Za-z0-9]+$/.test(kind)) return undefined;
  if (apiVersion.startsWith('monitoring.coreos.com/')) return `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`;
  if (apiVersion.includes('.') && !apiVersion.includes('.k8s.io/')) return undefined;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

export class UnknownKindError extends Error {
  readonly code = 'UNKNOWN_KIND';
}

interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/**
 * Validates one object against its JSON schema. Throws UnknownKindError for an apiVersion/kind no
 * installed schema describes (a typo there must not pass as "nothing to check"), and the schema's
 * own error for an invalid object.
 */
export async function validateAgainstSchema(object: K8sObject): Promise<void> {
  const path = modulePath(object.apiVersion, object.kind);
  if (!path) throw new UnknownKindError(`no schema for ${object.apiVersion} ${object.kind}`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(path)) as Record<string, unknown>;
  } catch {
    throw new UnknownKindError(`no schema for ${object.apiVersion} ${object.kind} (${path})`);
  }
  const Model = mod[object.kind] as ModelClass | undefined;
  if (typeof Model !== 'function') throw new UnknownKindError(`${path} has no ${object.kind}`);
  const instance = new Model(object);
  // The model fills in apiVersion/kind from its class: a mismatch means the object was mislabelled.
  const filled = instance as unknown as { apiVersion?: string; kind?: string };
  if (filled.apiVersion !== object.apiVersion || filled.kind !== object.kind) {
    throw new UnknownKindError(`${object.apiVersion} ${object.kind} resolved to ${filled.apiVersion} ${filled.kind}`);
  }
  instance.validate();
}
