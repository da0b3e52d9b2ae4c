import { containerPort } from '../support/container-env.js';
import { byKind, describe, podTemplates, type Container, type K8sObject, type PodTemplate } from '../support/k8s-object.js';
import { selectorMatches } from '../support/label-selector.js';

/** Who a NetworkPolicy ingress rule admits. */
type Peer =
  | { kind: 'anyone' }
  | { kind: 'namespace'; namespaceLabels: Record<string, string> | undefined; podSelector: unknown }
  | { kind: 'pods'; podSelector: unknown }
  | { kind: 'ipBlock'; cidr: string };

interface Admission {
  policy: K8sObject;
  peers: Peer[];
  /** Container port numbers on the target pod; undefined = every port. */
  ports: number[] | undefined;
}

function peersOf(rule: { from?: unknown[] }): Peer[] {
  if (!rule.from || rule.from.length === 0) return [{ kind: 'anyone' }];
  return rule.from.map((raw) => {
    const peer = raw as { ipBlock?: { cidr: string }; namespaceSelector?: { matchLabels?: Record<string, string> }; podSelector?: unknown };
    if (peer.ipBlock) return { kind: 'ipBlock', cidr: peer.ipBlock.cidr };
    if (peer.namespaceSelector) return { kind: 'namespace', namespaceLabels: peer.namespaceSelector.matchLabels, podSelector: peer.podSelector };
    return { kind: 'pods', podSelector: peer.podSelector };
  });
}

/** Every ingress admission that applies to one pod template. */
export function admissionsFor(pod: PodTemplate, objects: K8sObject[]): Admission[] {
  const result: Admission[] = [];
  for (const policy of byKind(objects, 'NetworkPolicy')) {
    if (!selectorMatches(policy.spec.podSelector, pod.labels) && Object.keys(policy.spec.podSelector ?? {}).length > 0) continue;
    if (!(policy.spec.policyTypes ?? ['Ingress']).includes('Ingress')) continue;
    for (const rule of policy.spec.ingress ?? []) {
      const ports = rule.ports
        ? rule.ports.map((p: { port: string | number }) => (pod.spec.containers as Container[]).map((c) => containerPort(c, p.port)).find((n) => n !== undefined) ?? -1)
        : undefined;
      result.push({ policy, peers: peersOf(rule), ports });
    }
  }
  return result;
}

function isDefaultDeny(policy: K8sObject): boolean {
  return (
    Object.keys(policy.spec.podSelector ?? {}).length === 0 &&
    (policy.spec.policyTypes ?? []).includes('Ingress') &&
    (policy.spec.ingress ?? []).length === 0
  );
}

function publicPeer(peer: Peer): boolean {
  if (peer.kind === 'anyone') return true;
  if (peer.kind === 'ipBlock') return true;
  // An empty namespaceSelector admits every namespace.
  return peer.kind === 'namespace' && Object.keys(peer.namespaceLabels ?? {}).length === 0;
}

/** Pods of this render a same-namespace peer admits. */
function podsAdmitted(peer: Peer, pods: PodTemplate[]): PodTemplate[] {
  if (peer.kind === 'anyone') return pods;
  if (peer.kind !== 'pods') return [];
  return pods.filter((p) => selectorMatches(peer.podSelector as never, p.labels) || Object.keys(peer.podSelector ?? {}).length === 0);
}

export interface NetworkExpectations {
  /** Label value of app.kubernetes.io/name for the only pods reachable from outside. */
  publicApp: string;
  /** Container port name that is public on those pods. */
  publicPortName: string;
  natsApp: string;
  natsClientPortName: string;
  natsClientApps: string[];
  /** Namespace label that selects the monitoring namespace, and the ports it must reach. */
  monitoringNamespace: string;
  scrapedPorts: { app: string; portName: string }[];
}

export function networkPolicyProblems(objects: K8sObject[], expect: NetworkExpectations): string[] {
  const problems: string[] = [];
  const pods = podTemplates(objects);
  const appOf = (p: PodTemplate) => p.labels['app.kubernetes.io/name'];
  const portNumber = (p: PodTemplate, name: string) => (p.spec.containers as Container[]).map((c) => containerPort(c, name)).find((n) => n !== undefined);

  if (!byKind(objects, 'NetworkPolicy').some(isDefaultDeny)) problems.push('no default-deny ingress NetworkPolicy (podSelector {}, no rules)');

  for (const pod of pods) {
    for (const admission of admissionsFor(pod, objects)) {
      // Only the gateways' client port may be reachable from outside the namespace.
      if (admission.peers.some(publicPeer)) {
        const publicPort = portNumber(pod, expect.publicPortName);
        const onlyPublicPort = admission.ports !== undefined && admission.ports.every((p) => p === publicPort);
        if (appOf(pod) !== expect.publicApp || !onlyPublicPort) {
          problems.push(`${describe(admission.policy)} makes ${describe(pod.owner)} port(s) ${admission.ports?.join(',') ?? 'all'} reachable from outside`);
        }
      }
      // Other namespaces only through the monitoring namespace, only to scrape ports.
      for (const peer of admission.peers) {
        if (peer.kind !== 'namespace' || publicPeer(peer)) continue;
        if (peer.namespaceLabels?.['kubernetes.io/metadata.name'] !== expect.monitoringNamespace) {
          problems.push(`${describe(admission.policy)} admits namespace ${JSON.stringify(peer.namespaceLabels)} to ${describe(pod.owner)}`);
        }
      }
    }
  }

  // NATS client port: exactly the apps, from this namespace.
  for (const nats of pods.filter((p) => appOf(p) === expect.natsApp)) {
    const clientPort = portNumber(nats, expect.natsClientPortName);
    const admitted = new Set<PodTemplate>();
    for (const admission of admissionsFor(nats, objects)) {
      if (admission.ports !== undefined && !admission.ports.includes(clientPort!)) continue;
      for (const peer of admission.peers) {
        if (peer.kind === 'namespace' || peer.kind === 'ipBlock') {
          problems.push(`${describe(admission.policy)} admits a peer outside the namespace to the NATS client port`);
          continue;
        }
        for (const p of podsAdmitted(peer, pods)) admitted.add(p);
      }
    }
    for (const p of admitted) {
      if (!expect.natsClientApps.includes(appOf(p))) problems.push(`NATS client port admits ${describe(p.owner)}, which is not an app`);
    }
    for (const p of pods.filter((q) => expect.natsClientApps.includes(appOf(q)))) {
      if (!admitted.has(p)) problems.push(`${describe(p.owner)} cannot reach the NATS client port`);
    }
  }

  // Prometheus must still reach every scrape port.
  for (const { app, portName } of expect.scrapedPorts) {
    for (const pod of pods.filter((p) => appOf(p) === app)) {
      const port = portNumber(pod, portName);
      const ok = admissionsFor(pod, objects).some(
        (a) =>
          (a.ports === undefined || a.ports.includes(port!)) &&
          a.peers.some((peer) => peer.kind === 'namespace' && peer.namespaceLabels?.['kubernetes.io/metadata.name'] === expect.monitoringNamespace),
      );
      if (!ok) problems.push(`the ${expect.monitoringNamespace} namespace cannot scrape ${describe(pod.owner)} port ${portName}`);
    }
  }
  return problems;
}
