/**
 * A rendered Kubernetes object as plain JSON. The checks read many kinds generically, so fields are
 * loosely typed here; the schema validation (kubernetes-models) is what enforces their shapes.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Json;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  [field: string]: Json;
}

export interface Container {
  name: string;
  image?: string;
  args?: string[];
  command?: string[];
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  env?: Json[];
  envFrom?: Json[];
  startupProbe?: Json;
  readinessProbe?: Json;
  livenessProbe?: Json;
  lifecycle?: Json;
  resources?: Json;
  securityContext?: Json;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

/** A workload's pod template with where it came from. */
export interface PodTemplate {
  owner: K8sObject;
  labels: Record<string, string>;
  spec: Json;
}

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'];

export function podTemplates(objects: K8sObject[]): PodTemplate[] {
  return objects
    .filter((o) => WORKLOAD_KINDS.includes(o.kind))
    .map((o) => ({ owner: o, labels: o.spec?.template?.metadata?.labels ?? {}, spec: o.spec?.template?.spec ?? {} }));
}

export function byKind(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name);
}

export function describe(o: K8sObject): string {
  return `${o.kind}/${o.metadata.name}`;
}

/** Deep copy, so a check's negative test can break a copy without touching the shared render. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}
