// Probe (issue 7): how long the journal part of a symbol recovery takes right after one node of a
// 3-node JetStream cluster is killed (kill -9), with the journal reader of the build (`new`) and
// with the ordered-consumer-only reader it replaced (`old`, as of 7ca1903, inlined below).
//
//   npm run build --silent && node faults/probes/journal-replay-after-node-kill.mjs [runs] [windowSeconds]
//
// Each run: a fresh 3-node cluster, an R3 TRADING_JOURNAL with 8 symbols x 50 batches, node
// (run % 3) killed. From the kill on, both readers recover in parallel (own connection each, to a
// survivor, own symbols), back to back with 0.5 s between recoveries, for `windowSeconds`. One
// recovery = what recoverSymbol asks of the journal: the subject's last seq (STREAM.MSG.GET
// last_by_subj), then the replay of all its batches, retried after a failure like a retake
// (250 ms doubling to 1 s) until it has every batch, checked in order and once. Prints one JSON line
// per recovery and a summary per reader; the first recovery after the kill is `first: true`.
import { connect } from '@nats-io/transport-node';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { NatsCluster } from '@trading/testing';
import { JournalReader } from '../../apps/matching-engine/dist/journal/journal-reader.js';
import { ensureJournalStream, journalSubject, lastJournalSeq, JOURNAL_STREAM } from '../../apps/matching-engine/dist/journal/journal-stream.js';
import { decodeBatch } from '../../apps/matching-engine/dist/journal/journal-format.js';

const RUNS = Number(process.argv[2] ?? 10);
const WINDOW_MS = Number(process.argv[3] ?? 30) * 1000;
const SYMBOLS = ['AAA-USD', 'BBB-USD', 'CCC-USD', 'DDD-USD', 'EEE-USD', 'FFF-USD', 'GGG-USD', 'HHH-USD'];
const BATCHES = 50;

/** The reader before issue 7's fix (7ca1903): ordered consumer only, default 5 s API timeout. */
class OldReader {
  constructor(nc) {
    this.js = jetstream(nc);
  }
  async replay(symbol, afterSeq, untilSeq, onBatch) {
    if (untilSeq <= afterSeq) return;
    const consumer = await this.js.consumers.get(JOURNAL_STREAM, { filter_subjects: journalSubject(symbol), deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: afterSeq + 1 });
    const messages = await consumer.consume({ max_bytes: 2 * 1024 * 1024 });
    try {
      for await (const msg of messages) {
        const decoded = decodeBatch(msg.string());
        if (!decoded.ok) throw new Error('corrupt');
        onBatch({ seq: msg.seq, entries: decoded.batch });
        if (msg.seq >= untilSeq) break;
      }
    } finally {
      await messages.close();
    }
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One recovery's journal part, retried until complete; returns its time and failures. */
async function recoverOnce(name, makeReader, jsm, symbol, expectedSeqs) {
  const started = performance.now();
  const errors = [];
  for (let attempt = 1; ; attempt++) {
    const reader = makeReader();
    const seen = [];
    try {
      const last = await lastJournalSeq(jsm, symbol);
      await reader.replay(symbol, 0, last, (b) => void seen.push(b.seq));
      if (seen.length !== expectedSeqs.length || seen.some((s, i) => s !== expectedSeqs[i])) throw new Error(`WRONG TAIL: ${seen.length} batches`);
      return { reader: name, symbol, ms: Math.round(performance.now() - started), attempts: attempt, errors, stats: reader.stats };
    } catch (err) {
      errors.push(`${Math.round(performance.now() - started)}ms: ${String(err?.message ?? err).slice(0, 100)}`);
      if (String(err?.message).startsWith('WRONG TAIL')) throw err;
      await sleep(Math.min(1000, 250 * 2 ** (attempt - 1)));
    }
  }
}

const results = { old: [], new: [] };
for (let run = 0; run < RUNS; run++) {
  const cluster = await NatsCluster.start(3);
  const victim = run % 3;
  const survivor = cluster.nodes[(victim + 1) % 3].url;
  const setup = await connect({ servers: cluster.urls });
  await ensureJournalStream(setup, { maxAgeSeconds: 3600, replicas: 3 });
  const js = jetstream(setup);
  const seqs = new Map(SYMBOLS.map((s) => [s, []]));
  for (let b = 0; b < BATCHES; b++) {
    for (const symbol of SYMBOLS) {
      const entries = Array.from({ length: 10 }, (_, i) => `${Date.now()},0,"u1","c${b}-${i}",0,"100.00","1.0000"`);
      const ack = await js.publish(journalSubject(symbol), `{"v":2,"e":[${entries.join(',')}]}`);
      seqs.get(symbol).push(ack.seq);
    }
  }
  const info = await (await jetstreamManager(setup)).streams.info(JOURNAL_STREAM);
  const journalLeader = info.cluster?.leader;
  await setup.close();
  await sleep(500); // replicas current
  const conns = { old: await connect({ servers: survivor }), new: await connect({ servers: survivor }) };
  const jsms = { old: await jetstreamManager(conns.old, { checkAPI: false }), new: await jetstreamManager(conns.new, { checkAPI: false }) };
  const killedName = `n${victim + 1}-${cluster.nodes[victim].port}`;
  await cluster.nodes[victim].kill();
  const t0 = performance.now();
  const loop = async (name, makeReader, symbols) => {
    let first = true;
    for (let i = 0; performance.now() - t0 < WINDOW_MS; i++) {
      const symbol = symbols[i % symbols.length];
      const atMs = Math.round(performance.now() - t0);
      const r = await recoverOnce(name, makeReader, jsms[name], symbol, seqs.get(symbol));
      const line = { run, killed: killedName, killedLedJournal: killedName === journalLeader, first, atMs, ...r };
      results[name].push(line);
      console.log(JSON.stringify(line));
      first = false;
      await sleep(500);
    }
  };
  await Promise.all([
    loop('old', () => new OldReader(conns.old), SYMBOLS.slice(0, 4)),
    loop('new', () => new JournalReader(conns.new), SYMBOLS.slice(4)),
  ]);
  await conns.old.close();
  await conns.new.close();
  await cluster.dispose();
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
for (const name of ['old', 'new']) {
  const all = results[name].map((r) => r.ms);
  const first = results[name].filter((r) => r.first).map((r) => r.ms);
  console.log(
    JSON.stringify({
      summary: name,
      runs: RUNS,
      recoveries: all.length,
      median: pct(all, 50),
      p90: pct(all, 90),
      max: Math.max(...all),
      over2s: all.filter((m) => m > 2000).length,
      failedAttempts: results[name].reduce((n, r) => n + r.attempts - 1, 0),
      firstAfterKill: { median: pct(first, 50), p90: pct(first, 90), max: Math.max(...first), all: first },
    }),
  );
}
