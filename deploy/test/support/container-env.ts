import type { Container, K8sObject } from './k8s-object.js';
import { find } from './k8s-object.js';

/** What a container's environment resolves to in a rendered overlay, as the kubelet would build it. */
export interface ResolvedEnv {
  /** Variable values; fieldRef values are realistic stand-ins (the pod name, ...). */
  values: Record<string, string>;
  /** Secrets referenced but not in the render: supplied by the operator (documented), keys unknown. */
  externalSecrets: string[];
  /** Dangling references that would keep the pod from starting. */
  problems: string[];
}

const FIELD_REF_SAMPLES: Record<string, (owner: K8sObject) => string> = {
  'metadata.name': (owner) => `${owner.metadata.name}-7d9f8c6b5-x2x4z`,
  'metadata.namespace': (owner) => owner.metadata.namespace ?? 'default',
  'status.podIP': () => '10.0.0.10',
  'spec.nodeName': () => 'node-1',
};

function configMapData(objects: K8sObject[], name: string): Record<string, string> | undefined {
  return find(objects, 'ConfigMap', name)?.data ?? (find(objects, 'ConfigMap', name) ? {} : undefined);
}

function secretData(objects: K8sObject[], name: string): Record<string, string> | undefined {
  const secret = find(objects, 'Secret', name);
  if (!secret) return undefined;
  const decoded: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) decoded[k] = Buffer.from(v, 'base64').toString('utf8');
  return { ...decoded, ...(secret.stringData ?? {}) };
}

export function resolveContainerEnv(container: Container, owner: K8sObject, objects: K8sObject[]): ResolvedEnv {
  const values: Record<string, string> = {};
  const externalSecrets: string[] = [];
  const problems: string[] = [];
  const where = `${owner.kind}/${owner.metadata.name} container ${container.name}`;

  // envFrom first: explicit env entries win over it, as in Kubernetes.
  for (const source of container.envFrom ?? []) {
    const prefix: string = source.prefix ?? '';
    if (source.configMapRef) {
      const data = configMapData(objects, source.configMapRef.name);
      if (!data) {
        if (!source.configMapRef.optional) problems.push(`${where}: envFrom ConfigMap ${source.configMapRef.name} is not in the render`);
        continue;
      }
      for (const [k, v] of Object.entries(data)) values[prefix + k] = v;
    } else if (source.secretRef) {
      const data = secretData(objects, source.secretRef.name);
      if (!data) {
        externalSecrets.push(source.secretRef.name);
        continue;
      }
      for (const [k, v] of Object.entries(data)) values[prefix + k] = v;
    } else {
      problems.push(`${where}: envFrom entry without configMapRef or secretRef`);
    }
  }

  for (const entry of container.env ?? []) {
    const from = entry.valueFrom;
    if (!from) {
      values[entry.name] = String(entry.value ?? '');
    } else if (from.configMapKeyRef) {
      const data = configMapData(objects, from.configMapKeyRef.name);
      const value = data?.[from.configMapKeyRef.key];
      if (value === undefined) {
        if (!from.configMapKeyRef.optional) problems.push(`${where}: ${entry.name} refers to missing ConfigMap key ${from.configMapKeyRef.name}/${from.configMapKeyRef.key}`);
      } else values[entry.name] = value;
    } else if (from.secretKeyRef) {
      const data = secretData(objects, from.secretKeyRef.name);
      if (!data) externalSecrets.push(from.secretKeyRef.name);
      else if (data[from.secretKeyRef.key] === undefined) problems.push(`${where}: ${entry.name} refers to missing Secret key ${from.secretKeyRef.name}/${from.secretKeyRef.key}`);
      else values[entry.name] = data[from.secretKeyRef.key];
    } else if (from.fieldRef) {
      const sample = FIELD_REF_SAMPLES[from.fieldRef.fieldPath];
      if (!sample) problems.push(`${where}: ${entry.name} uses an unexpected fieldRef ${from.fieldRef.fieldPath}`);
      else values[entry.name] = sample(owner);
    } else {
      problems.push(`${where}: ${entry.name} has an unsupported valueFrom`);
    }
  }
  return { values, externalSecrets, problems };
}

/** A container's port number for a probe/service port given by name or number. */
export function containerPort(container: Container, port: string | number | undefined): number | undefined {
  if (typeof port === 'number') return port;
  if (typeof port === 'string' && /^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}
