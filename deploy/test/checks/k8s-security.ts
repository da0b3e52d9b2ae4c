import { k8sQuantity } from '../support/sizes.js';
import { describe, podTemplates, type Container, type K8sObject } from '../support/k8s-object.js';

/**
 * Pod Security "restricted" plus this project's rules: read-only root FS with /tmp on an emptyDir,
 * requests and limits on every container, no service account token, pinned images.
 */
export function securityProblems(objects: K8sObject[], options: { requireRegistryImages?: boolean } = {}): string[] {
  const problems: string[] = [];
  for (const pod of podTemplates(objects)) {
    const where = describe(pod.owner);
    const podSc = pod.spec.securityContext ?? {};
    if (podSc.runAsNonRoot !== true) problems.push(`${where}: pod securityContext.runAsNonRoot must be true`);
    if (podSc.runAsUser === 0) problems.push(`${where}: pod runs as uid 0`);
    if (pod.spec.hostNetwork || pod.spec.hostPID || pod.spec.hostIPC) problems.push(`${where}: uses host namespaces`);
    if (pod.spec.automountServiceAccountToken !== false) problems.push(`${where}: automountServiceAccountToken must be false (no pod talks to the API server)`);
    for (const v of pod.spec.volumes ?? []) if (v.hostPath) problems.push(`${where}: hostPath volume ${v.name}`);
    const emptyDirs = new Set<string>((pod.spec.volumes ?? []).filter((v: { emptyDir?: unknown }) => v.emptyDir).map((v: { name: string }) => v.name));

    for (const c of pod.spec.containers as Container[]) {
      const cw = `${where} container ${c.name}`;
      const sc = c.securityContext ?? {};
      const seccomp = sc.seccompProfile?.type ?? podSc.seccompProfile?.type;
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`${cw}: seccompProfile must be RuntimeDefault`);
      if (sc.allowPrivilegeEscalation !== false) problems.push(`${cw}: allowPrivilegeEscalation must be false`);
      if (sc.privileged) problems.push(`${cw}: privileged`);
      if (sc.readOnlyRootFilesystem !== true) problems.push(`${cw}: readOnlyRootFilesystem must be true`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${cw}: capabilities must drop ALL`);
      if ((sc.capabilities?.add ?? []).length > 0) problems.push(`${cw}: adds capabilities`);
      if (sc.runAsNonRoot === false || sc.runAsUser === 0) problems.push(`${cw}: may run as root`);
      const tmp = (c.volumeMounts ?? []).find((m) => m.mountPath === '/tmp');
      if (!tmp || !emptyDirs.has(tmp.name)) problems.push(`${cw}: /tmp must be an emptyDir (the root filesystem is read-only)`);

      for (const resource of ['cpu', 'memory']) {
        const request = c.resources?.requests?.[resource];
        const limit = c.resources?.limits?.[resource];
        if (request === undefined || limit === undefined) {
          problems.push(`${cw}: needs a ${resource} request and limit`);
          continue;
        }
        if (k8sQuantity(request) > k8sQuantity(limit)) problems.push(`${cw}: ${resource} request ${request} exceeds limit ${limit}`);
      }

      const image = c.image ?? '';
      const tag = /:([^/:@]+)$/.exec(image)?.[1];
      if (!tag && !image.includes('@sha256:')) problems.push(`${cw}: image ${image} has no tag`);
      if (tag === 'latest') problems.push(`${cw}: image ${image} uses :latest`);
      if (options.requireRegistryImages && c.image?.startsWith('trading/')) problems.push(`${cw}: image ${image} is a local build, not a registry image`);
      if (options.requireRegistryImages && tag === 'dev') problems.push(`${cw}: image ${image} is a dev build`);
    }
  }
  return problems;
}
