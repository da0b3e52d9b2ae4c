// One load-generator process for the engine-through-NATS benchmark: plain NATS request/reply with
// plain JSON commands, many in flight, replies matched on one wildcard inbox subscription (no
// per-request timer). Configured by the JSON in argv[2]; prints one JSON result line on stdout.
//
// modes:
//   closed   keep `window` commands in flight for `seconds`: throughput
//   rate     send `rate` commands/s on a fixed schedule (open loop: sending never waits for
//            replies) for `seconds`; latency from each command's actual send
//   populate send each command of `symbols` x `perSymbol` resting orders, `window` in flight
import { connect } from '@nats-io/transport-node';
import hdr from 'hdr-histogram-js';
import { generateCommands } from './core.mjs';

const cfg = JSON.parse(process.argv[2]);
const nc = await connect({ servers: cfg.natsUrl, name: `engine-bench-${cfg.id}` });
const inbox = `_INBOX.bench${cfg.id}.${process.pid}`;

/** Pre-serialised [subject, payload] pairs, so the timed loop only sends. */
function buildCommands() {
  if (cfg.mode === 'populate') {
    // Symbol by symbol, so each symbol's commands share journal batches (the journal batches per symbol).
    const out = [];
    for (const symbol of cfg.symbols) {
      for (let k = 0; k < cfg.perSymbol; k++) {
        const buy = k % 2 === 0;
        // Bids below 1000.00, asks above: nothing crosses, everything rests.
        const price = buy ? 1000 - 1 - (k % 500) : 1000 + 1 + (k % 500);
        out.push([`trading.cmd.${symbol}`, JSON.stringify({ type: 'place', userId: `p${k % 997}`, clientOrderId: `p${cfg.id}-${k}`, side: buy ? 'buy' : 'sell', orderType: 'limit', price: `${price}.00`, quantity: '0.0010' })]);
      }
    }
    return out;
  }
  // The matching-core benchmark's mix (GTC rests, ~6% crossing IOC, cancels of live orders), one
  // symbol per generator; the cancels name orders by id, which holds because the symbol starts empty.
  const { wire } = generateCommands(cfg.count, cfg.seed ?? 42);
  const symbol = cfg.symbols[0];
  return wire.map((command) => {
    const c = command.type === 'cancel' ? { ...command, orderId: command.orderId.replace(/^BTC-USD-/, `${symbol}-`) } : command;
    return [`trading.cmd.${symbol}`, JSON.stringify(c)];
  });
}

const commands = buildCommands();
const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
const sentAt = new Float64Array(commands.length);
let next = 0;
let completed = 0;
let completedInWindow = 0;
let okReplies = 0;
let measuring = false;
let measureFrom = 0;
let stopSending = false;
let onProgress = () => {};

nc.subscribe(`${inbox}.>`, {
  callback: (_err, msg) => {
    const i = Number(msg.subject.slice(inbox.length + 1));
    const latencyUs = Math.max(1, Math.round((performance.now() - sentAt[i]) * 1000));
    completed++;
    if (msg.data.length > 9 && msg.data[6] === 0x74) okReplies++; // {"ok":true
    if (measuring && i >= measureFrom) {
      completedInWindow++;
      histogram.recordValue(latencyUs);
    }
    onProgress();
  },
});
await nc.flush();

const send = (scheduled) => {
  const i = next++;
  sentAt[i] = scheduled ?? performance.now();
  nc.publish(commands[i][0], commands[i][1], { reply: `${inbox}.${i}` });
};

process.stdout.write(JSON.stringify({ ready: true, commands: commands.length }) + '\n');
// Start together with the other generators: the parent writes a line on stdin when all are ready.
await new Promise((resolve) => process.stdin.once('data', resolve));
process.stdin.pause();

const started = performance.now();
let measuredMs = 0;
if (cfg.mode === 'closed' || cfg.mode === 'populate') {
  measuring = true;
  const window = cfg.window;
  const limit = commands.length;
  await new Promise((resolve) => {
    onProgress = () => {
      while (!stopSending && next < limit && next - completed < window) send();
      if (completed >= next && (stopSending || next >= limit)) resolve();
    };
    if (cfg.seconds) setTimeout(() => (stopSending = true), cfg.seconds * 1000);
    onProgress();
  });
  measuredMs = performance.now() - started;
} else if (cfg.mode === 'rate') {
  const warmupMs = (cfg.warmupSeconds ?? 1) * 1000;
  const perMs = cfg.rate / 1000;
  const endAt = started + cfg.seconds * 1000 + warmupMs;
  await new Promise((resolve) => {
    const pump = () => {
      const now = performance.now();
      if (!measuring && now - started >= warmupMs) {
        measuring = true;
        measureFrom = next;
      }
      const due = Math.min(commands.length, Math.floor((Math.min(now, endAt) - started) * perMs));
      while (next < due) send();
      // A 1 ms timer, not setImmediate: a spinning generator would take a whole core from the
      // engine on this 2-core machine. Sends go out in 1 ms slices (rate/1000 each).
      if (now < endAt && next < commands.length) setTimeout(pump, 1);
      else resolve();
    };
    pump();
  });
  measuredMs = cfg.seconds * 1000;
  // Let the tail of replies arrive (they still count in the histogram).
  const deadline = Date.now() + 5000;
  while (completed < next && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

const result = {
  id: cfg.id,
  mode: cfg.mode,
  sent: next,
  completed,
  okReplies,
  lost: next - completed,
  measuredMs,
  completedInWindow,
  histogram: hdr.encodeIntoCompressedBase64(histogram),
};
process.stdout.write(JSON.stringify(result) + '\n');
await nc.close();
process.exit(0);
