// Small statistics helpers for the benchmark summaries.
export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function round(value, digits = 3) {
  if (value === undefined || !Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** gateway / baseline, or undefined when either side is missing. */
export function ratio(gateway, baseline) {
  if (gateway === undefined || baseline === undefined || baseline === 0) return undefined;
  return gateway / baseline;
}
