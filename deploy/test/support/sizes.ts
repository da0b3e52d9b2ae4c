/** Byte sizes as NATS writes them (1024-based KB/MB/GB/TB) and as Kubernetes quantities. */
export class SizeParseError extends Error {
  readonly code = 'SIZE_PARSE_ERROR';
}

const NATS_UNITS: Record<string, number> = { '': 1, B: 1, K: 1024, KB: 1024, M: 1024 ** 2, MB: 1024 ** 2, G: 1024 ** 3, GB: 1024 ** 3, T: 1024 ** 4, TB: 1024 ** 4 };

export function natsBytes(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(text);
  const unit = m?.[2].toUpperCase();
  if (!m || unit === undefined || !(unit in NATS_UNITS)) throw new SizeParseError(`not a NATS size: ${JSON.stringify(text)}`);
  return Number(m[1]) * NATS_UNITS[unit];
}

const K8S_UNITS: Record<string, number> = {
  '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, m: 1e-3,
};

export function k8sQuantity(value: string | number): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+(?:\.\d+)?)([A-Za-z]*)$/.exec(value.trim());
  if (!m || !(m[2] in K8S_UNITS)) throw new SizeParseError(`not a Kubernetes quantity: ${JSON.stringify(value)}`);
  return Number(m[1]) * K8S_UNITS[m[2]];
}

/** Durations as Docker Compose writes them: 1m30s, 20s, 500ms. */
export function composeDurationMs(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|us|h|m|s)/g;
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001 }[m[2] as 'h' | 'm' | 's' | 'ms' | 'us'];
    consumed += m[0].length;
  }
  if (consumed === 0 || consumed !== text.length) throw new SizeParseError(`not a compose duration: ${JSON.stringify(text)}`);
  return total;
}
