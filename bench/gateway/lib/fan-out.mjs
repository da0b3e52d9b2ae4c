// Fan-out figures of a latency phase, from the per-event records of every load process (stats
// with `events: true`): for each event (seq), the first and last receive time over ALL subscribers
// and how many subscribers got it. All times are CLOCK_MONOTONIC nanoseconds since the shared
// base, so the processes' records are comparable.
//
// - spread = last receive - first receive of one event: how long the server took to hand one
//   event to every subscriber (plus the clients' own scheduling). With 1,000 subscribers per
//   event it is a floor under the latency p99: the last subscriber waits behind the others.
// - first = first receive - publish: the path to the first subscriber (NATS, the server's loop,
//   one write), without the fan-out.

/** Nearest-rank percentile of an ascending array; undefined for an empty one. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

function summary(valuesUs) {
  const sorted = Float64Array.from(valuesUs).sort();
  return {
    p50: round1(percentile(sorted, 50)),
    p90: round1(percentile(sorted, 90)),
    p99: round1(percentile(sorted, 99)),
    max: round1(sorted.length ? sorted[sorted.length - 1] : undefined),
  };
}

const round1 = (v) => (v === undefined ? undefined : Math.round(v * 10) / 10);

/**
 * Merges the per-process records (`{ seq, sentNs, firstNs, lastNs, count }`, parallel arrays)
 * into per-event figures. `subscribers`: how many should have got each event.
 */
export function fanOutSummary(records, subscribers) {
  const merged = new Map();
  for (const r of records) {
    if (!r) continue;
    for (let i = 0; i < r.seq.length; i++) {
      const seq = r.seq[i];
      const m = merged.get(seq);
      if (!m) merged.set(seq, { sentNs: r.sentNs[i], firstNs: r.firstNs[i], lastNs: r.lastNs[i], count: r.count[i] });
      else {
        if (r.firstNs[i] < m.firstNs) m.firstNs = r.firstNs[i];
        if (r.lastNs[i] > m.lastNs) m.lastNs = r.lastNs[i];
        m.count += r.count[i];
      }
    }
  }
  const spreads = [];
  const firsts = [];
  let complete = 0;
  let overDelivered = 0;
  for (const m of merged.values()) {
    if (m.count === subscribers) complete++;
    if (m.count > subscribers) overDelivered++;
    // Spread only over events every subscriber got: a partial event's spread would be too short.
    if (m.count >= subscribers) spreads.push((m.lastNs - m.firstNs) / 1000);
    if (m.sentNs >= 0) firsts.push((m.firstNs - m.sentNs) / 1000);
  }
  return {
    events: merged.size,
    // Events that reached every subscriber exactly once (summed over the processes).
    eventsReachingAll: complete,
    eventsOverDelivered: overDelivered,
    spreadUs: summary(spreads),
    firstReceiveUs: summary(firsts),
  };
}
