import { containerPort } from '../support/container-env.js';
import { byKind, describe, find, podTemplates, type Container, type K8sObject, type PodTemplate } from '../support/k8s-object.js';
import { mapSelectorMatches, selectorMatches } from '../support/label-selector.js';

/**
 * Referential integrity of a rendered overlay: every name an object points at exists, every
 * selector selects the pods it is meant for, every named port exists on those pods.
 * `externalSecrets` are Secrets the operator creates (documented in docs/operations.md).
 */
export function referenceProblems(objects: K8sObject[], externalSecrets: readonly string[] = []): string[] {
  const problems: string[] = [];
  const pods = podTemplates(objects);

  for (const pod of pods) {
    const where = describe(pod.owner);
    const sa = pod.spec.serviceAccountName;
    if (sa && !find(objects, 'ServiceAccount', sa)) problems.push(`${where}: ServiceAccount ${sa} is not in the render`);
    for (const volume of pod.spec.volumes ?? []) {
      if (volume.configMap && !find(objects, 'ConfigMap', volume.configMap.name)) problems.push(`${where}: volume ConfigMap ${volume.configMap.name} missing`);
      if (volume.secret && !find(objects, 'Secret', volume.secret.secretName) && !externalSecrets.includes(volume.secret.secretName)) {
        problems.push(`${where}: volume Secret ${volume.secret.secretName} missing`);
      }
    }
    const claimTemplates = new Set<string>((pod.owner.spec?.volumeClaimTemplates ?? []).map((t: K8sObject) => t.metadata.name));
    const volumes = new Set<string>([...(pod.spec.volumes ?? []).map((v: { name: string }) => v.name), ...claimTemplates]);
    for (const c of pod.spec.containers as Container[]) {
      for (const mount of c.volumeMounts ?? []) if (!volumes.has(mount.name)) problems.push(`${where}: container ${c.name} mounts unknown volume ${mount.name}`);
      for (const source of c.envFrom ?? []) {
        if (source.configMapRef && !find(objects, 'ConfigMap', source.configMapRef.name)) problems.push(`${where}: envFrom ConfigMap ${source.configMapRef.name} missing`);
        if (source.secretRef && !find(objects, 'Secret', source.secretRef.name) && !externalSecrets.includes(source.secretRef.name)) {
          problems.push(`${where}: envFrom Secret ${source.secretRef.name} missing and not a documented external Secret`);
        }
      }
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref && !find(objects, 'Secret', ref.name) && !externalSecrets.includes(ref.name)) problems.push(`${where}: env ${e.name} Secret ${ref.name} missing`);
      }
    }
    const selector = pod.owner.spec?.selector;
    if (!selectorMatches(selector, pod.labels)) problems.push(`${where}: spec.selector does not match its own pod template labels`);
    for (const other of pods) {
      if (other !== pod && selectorMatches(selector, other.labels)) problems.push(`${where}: spec.selector also matches the pods of ${describe(other.owner)}`);
    }
    if (pod.owner.kind === 'StatefulSet') {
      const svc = find(objects, 'Service', pod.owner.spec.serviceName);
      if (!svc) problems.push(`${where}: serviceName ${pod.owner.spec.serviceName} is not a Service in the render`);
      else if (svc.spec.clusterIP !== 'None') problems.push(`${where}: serviceName ${svc.metadata.name} must be a headless Service`);
    }
  }

  for (const svc of byKind(objects, 'Service')) {
    const selected = pods.filter((p) => mapSelectorMatches(svc.spec.selector, p.labels));
    if (selected.length === 0) problems.push(`${describe(svc)}: selector matches no pod template`);
    for (const port of svc.spec.ports ?? []) {
      for (const pod of selected) {
        const target = port.targetPort ?? port.port;
        const resolved = (pod.spec.containers as Container[]).map((c) => containerPort(c, target)).find((p) => p !== undefined);
        if (resolved === undefined) problems.push(`${describe(svc)}: targetPort ${target} is not a port of ${describe(pod.owner)}`);
      }
    }
  }

  for (const pdb of byKind(objects, 'PodDisruptionBudget')) {
    const selected = pods.filter((p) => selectorMatches(pdb.spec.selector, p.labels));
    if (selected.length !== 1) problems.push(`${describe(pdb)}: selector must match exactly one workload, matches ${selected.length}`);
    for (const pod of selected) {
      const replicas = pod.owner.spec.replicas ?? 1;
      if (pdb.spec.minAvailable !== undefined && Number(pdb.spec.minAvailable) >= replicas) {
        problems.push(`${describe(pdb)}: minAvailable ${pdb.spec.minAvailable} >= replicas ${replicas} blocks every node drain`);
      }
    }
  }

  for (const hpa of byKind(objects, 'HorizontalPodAutoscaler')) {
    const ref = hpa.spec.scaleTargetRef;
    const target = find(objects, ref.kind, ref.name);
    if (!target) problems.push(`${describe(hpa)}: scaleTargetRef ${ref.kind}/${ref.name} missing`);
    else {
      const replicas = target.spec.replicas ?? 1;
      if (replicas < (hpa.spec.minReplicas ?? 1) || replicas > hpa.spec.maxReplicas) {
        problems.push(`${describe(hpa)}: ${describe(target)} replicas ${replicas} outside ${hpa.spec.minReplicas}..${hpa.spec.maxReplicas}`);
      }
    }
  }

  for (const ingress of byKind(objects, 'Ingress')) {
    for (const rule of ingress.spec.rules ?? []) {
      for (const path of rule.http?.paths ?? []) {
        const backend = path.backend.service;
        const svc = find(objects, 'Service', backend.name);
        if (!svc) problems.push(`${describe(ingress)}: backend Service ${backend.name} missing`);
        else if (!(svc.spec.ports ?? []).some((p: { name?: string; port: number }) => p.name === backend.port.name || p.port === backend.port.number)) {
          problems.push(`${describe(ingress)}: backend port ${JSON.stringify(backend.port)} is not a port of Service ${backend.name}`);
        }
      }
    }
    for (const tls of ingress.spec.tls ?? []) {
      if (!find(objects, 'Secret', tls.secretName) && !externalSecrets.includes(tls.secretName)) problems.push(`${describe(ingress)}: TLS Secret ${tls.secretName} missing and not documented`);
    }
  }

  for (const sm of byKind(objects, 'ServiceMonitor')) {
    const services = byKind(objects, 'Service').filter((s) => selectorMatches(sm.spec.selector, s.metadata.labels ?? {}));
    if (services.length === 0) problems.push(`${describe(sm)}: selector matches no Service`);
    for (const endpoint of sm.spec.endpoints ?? []) {
      for (const svc of services) {
        if (!(svc.spec.ports ?? []).some((p: { name?: string }) => p.name === endpoint.port)) problems.push(`${describe(sm)}: Service ${svc.metadata.name} has no port ${endpoint.port}`);
      }
    }
  }

  problems.push(...affinityProblems(pods));
  return problems;
}

/** Anti-affinity and spread selectors must select their own workload's pods and only those. */
function affinityProblems(pods: PodTemplate[]): string[] {
  const problems: string[] = [];
  for (const pod of pods) {
    const anti = pod.spec.affinity?.podAntiAffinity;
    const terms = [
      ...(anti?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
      ...(anti?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((t: { podAffinityTerm: unknown }) => t.podAffinityTerm),
    ];
    const selectors = [...terms.map((t) => t.labelSelector), ...(pod.spec.topologySpreadConstraints ?? []).map((t: { labelSelector: unknown }) => t.labelSelector)];
    for (const selector of selectors) {
      if (!selectorMatches(selector, pod.labels)) problems.push(`${describe(pod.owner)}: a spread/anti-affinity selector does not select its own pods`);
      for (const other of pods) {
        if (other !== pod && selectorMatches(selector, other.labels)) problems.push(`${describe(pod.owner)}: a spread/anti-affinity selector also selects ${describe(other.owner)}`);
      }
    }
  }
  return problems;
}
