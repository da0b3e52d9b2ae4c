// Cost of remembering the last seq per subject on the gateway's live path (issue 7 catch-up):
// fastSeq on an engine-encoded OrderUpdate plus one Map.set, per message. Run after a build:
//   node bench/gateway/fast-seq-cost.mjs
// Prints ns per message (median of 5 runs of 1,000,000 messages).
import { fastSeq } from '../../apps/gateway/dist/resume/fast-seq.js';

const event = new TextEncoder().encode(
  '{"type":"OrderUpdate","symbol":"BTC-USD","seq":123456,"ts":1764110000000,"userId":"trader42","orderId":"BTC-USD-987654","clientOrderId":"c-1","side":"buy","orderType":"limit","timeInForce":"GTC","price":"50000.00","quantity":"1.0000","filledQuantity":"0.5000","remainingQuantity":"0.5000","status":"PARTIALLY_FILLED"}',
);
const subjects = Array.from({ length: 64 }, (_, i) => `trading.order.trader${i}.BTC-USD`);
const last = new Map();
const N = 1_000_000;
const runs = [];
for (let r = 0; r < 6; r++) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    const seq = fastSeq(event);
    if (seq !== undefined) last.set(subjects[i & 63], seq);
  }
  const ns = Number(process.hrtime.bigint() - start) / N;
  if (r > 0) runs.push(ns); // the first run warms up the JIT
}
runs.sort((a, b) => a - b);
console.log(JSON.stringify({ bench: 'fastSeq + Map.set per message', nsPerMessage: Math.round(runs[2] * 10) / 10, runsNs: runs.map((n) => Math.round(n * 10) / 10) }));
