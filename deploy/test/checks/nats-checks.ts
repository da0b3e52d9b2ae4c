import { resolveContainerEnv } from '../support/container-env.js';
import { describe, find, type Container, type K8sObject } from '../support/k8s-object.js';
import { natsConfigProblem, natsConfigValue, natsConfigVariables, natsImageProblem, natsRoutes } from '../support/nats-config.js';
import { k8sQuantity, natsBytes } from '../support/sizes.js';

function portOf(listen: string | undefined): number | undefined {
  const m = /:(\d+)$/.exec(listen ?? '');
  return m ? Number(m[1]) : undefined;
}

/** The NATS StatefulSet against its own config file, as the real nats-server reads it. */
export function natsStatefulSetProblems(objects: K8sObject[], externalSecretValues: Record<string, Record<string, string>> = {}): string[] {
  const problems: string[] = [];
  const sts = find(objects, 'StatefulSet', 'nats');
  if (!sts) return ['no StatefulSet nats'];
  const where = describe(sts);
  const pod = sts.spec.template.spec;
  const container = (pod.containers as Container[]).find((c) => c.name === 'nats');
  if (!container) return [`${where}: no container nats`];
  const imageProblem = natsImageProblem(container.image);
  if (imageProblem) problems.push(`${where}: ${imageProblem}`);
  if (sts.spec.replicas !== 3) problems.push(`${where}: replicas ${sts.spec.replicas}, a JetStream cluster here has 3`);
  if (sts.spec.podManagementPolicy !== 'Parallel') problems.push(`${where}: podManagementPolicy must be Parallel (a lone first server cannot elect a meta leader)`);

  // Which file the server reads: --config path -> a ConfigMap key through a volume mount.
  const args = container.args ?? [];
  const configPath = args[args.indexOf('--config') + 1];
  const mount = (container.volumeMounts ?? []).find((m) => configPath?.startsWith(m.mountPath + '/'));
  const volume = mount && pod.volumes?.find((v: { name: string }) => v.name === mount.name);
  const cm = volume?.configMap && find(objects, 'ConfigMap', volume.configMap.name);
  const text = cm?.data?.[configPath.slice(mount!.mountPath.length + 1)];
  if (!text) return [...problems, `${where}: --config ${configPath} is not a key of a mounted ConfigMap`];

  const { values: env, problems: envProblems } = resolveContainerEnv(container, sts, objects);
  problems.push(...envProblems);
  // Secrets the operator creates (prod): stand-in values, so the config can still be parsed with them.
  for (const e of container.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    const value = ref && externalSecretValues[ref.name]?.[ref.key];
    if (value !== undefined && env[e.name] === undefined) env[e.name] = value;
  }
  const variables = natsConfigVariables(text);
  for (const v of variables) if (env[v] === undefined) problems.push(`${where}: nats.conf uses $${v}, the container does not set it`);
  for (const name of Object.keys(env)) if (!variables.includes(name)) problems.push(`${where}: sets ${name}, which nats.conf does not use`);
  const complaint = natsConfigProblem(text, env);
  if (complaint) problems.push(`${where}: nats-server -t refuses the config: ${complaint}`);

  const ports = new Map((container.ports ?? []).map((p) => [p.name, p.containerPort]));
  if (portOf(natsConfigValue(text, 'listen')) !== ports.get('client')) problems.push(`${where}: listen port is not container port "client"`);
  if (portOf(natsConfigValue(text, 'http')) !== ports.get('monitor')) problems.push(`${where}: http port is not container port "monitor"`);
  const clusterBlock = /cluster\s*\{[\s\S]*?\n\}/.exec(text)?.[0] ?? '';
  const clusterPort = portOf(natsConfigValue(clusterBlock, 'listen'));
  if (clusterPort !== ports.get('cluster')) problems.push(`${where}: cluster listen port is not container port "cluster"`);
  const expectedRoutes = Array.from({ length: sts.spec.replicas }, (_, i) => `${sts.metadata.name}-${i}.${sts.spec.serviceName}:${clusterPort}`);
  const routes = natsRoutes(text).map((r) => r.replace(/^nats(-route)?:\/\//, ''));
  if (JSON.stringify([...routes].sort()) !== JSON.stringify(expectedRoutes.sort())) {
    problems.push(`${where}: cluster routes ${routes.join(', ')} are not the ${sts.spec.replicas} pods ${expectedRoutes.join(', ')}`);
  }

  // Writable paths on a read-only root filesystem.
  const mounts = container.volumeMounts ?? [];
  const mountedUnder = (path: string | undefined) => mounts.find((m) => path !== undefined && (path === m.mountPath || path.startsWith(m.mountPath + '/')));
  const storeDir = natsConfigValue(text, 'store_dir');
  const dataMount = mountedUnder(storeDir);
  const claim = (sts.spec.volumeClaimTemplates ?? []).find((t: K8sObject) => t.metadata.name === dataMount?.name);
  if (!claim) problems.push(`${where}: JetStream store_dir ${storeDir} is not on a PersistentVolumeClaim`);
  const pidFile = natsConfigValue(text, 'pid_file');
  if (!mountedUnder(pidFile)) problems.push(`${where}: pid_file ${pidFile} is not on a writable volume`);
  const preStop: string[] = container.lifecycle?.preStop?.exec?.command ?? [];
  if (!preStop.join(' ').includes(`ldm=${pidFile}`)) problems.push(`${where}: preStop must put the server in lame duck mode through ${pidFile}`);

  // JetStream limits inside the volume and the memory limit.
  try {
    const maxFile = natsBytes(env.JS_MAX_FILE_STORE ?? natsConfigValue(text, 'max_file_store') ?? '');
    const pvc = k8sQuantity(claim?.spec.resources.requests.storage ?? '0');
    if (maxFile > pvc * 0.9) problems.push(`${where}: max_file_store ${maxFile} bytes does not fit in 90% of the ${claim?.spec.resources.requests.storage} volume`);
    const maxMemory = natsBytes(env.JS_MAX_MEMORY_STORE ?? natsConfigValue(text, 'max_memory_store') ?? '');
    const limit = k8sQuantity(container.resources?.limits?.memory ?? '0');
    if (maxMemory > limit * 0.5) problems.push(`${where}: max_memory_store ${maxMemory} bytes exceeds half the memory limit ${container.resources?.limits?.memory}`);
  } catch (err) {
    problems.push(`${where}: ${(err as Error).message}`);
  }

  const lameDuckMs = ['lame_duck_duration', 'lame_duck_grace_period'].map((k) => Number(/^(\d+)s$/.exec(natsConfigValue(text, k) ?? '')?.[1] ?? NaN) * 1000);
  const graceMs = (pod.terminationGracePeriodSeconds ?? 30) * 1000;
  if (lameDuckMs.some(Number.isNaN) || graceMs <= lameDuckMs[0] + lameDuckMs[1]) problems.push(`${where}: terminationGracePeriodSeconds must exceed lame duck duration + grace period`);
  for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
    const port = container[probe]?.httpGet?.port;
    if (port !== 'monitor') problems.push(`${where}: ${probe} must be an httpGet on the monitor port`);
  }
  return problems;
}
