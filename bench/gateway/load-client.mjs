// One load-generating process of the gateway benchmark: holds many WebSocket client sockets
// (`ws`, or a minimal client over `net` with the frame parser of lib/ws-frames.mjs), opens
// them on command (bounded concurrency, spread over several 127.0.0.x source addresses so the
// ephemeral ports of one address never run out), counts the benchmark's tagged deliveries and
// records NATS-to-client latency. Driven by the orchestrator (run.mjs) over the fork IPC channel.
//
// Latency clock: process.hrtime is CLOCK_MONOTONIC, shared by every process on the machine, so
// "receive hrtime - publish hrtime" is meaningful across the publisher and these clients. The
// publisher writes its hrtime minus a shared base (so the value fits a double exactly) as
// `"benchNs":"<n>"`, the last field of each payload.
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import hdr from 'hdr-histogram-js';
import { SignJWT } from 'jose';
import { ServerFrameParser, encodeClientFrame, closePayload, OPCODE } from './lib/ws-frames.mjs';

const HISTOGRAM = { lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 };

class LoadClientError extends Error {
  code = 'LOAD_CLIENT_FAILED';
}

const sockets = new Set();
/** Connections opened by the raw upgrade client (connection-rate phase): plain TCP sockets after a 101. */
const rawSockets = new Set();
/** Delivery connections of the minimal `net` client (client 'net'): NetConnection objects. */
const netSockets = new Set();
// One key per process is enough for the server (it only echoes its hash); the expected accept value is computed once.
const WS_KEY = randomBytes(16).toString('base64');
const WS_ACCEPT = createHash('sha1').update(`${WS_KEY}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64').toLowerCase();
let tokens = [];
let baseNsNumber = 0;
let counting = newCounting(undefined);
let unexpectedCloses = 0;
const closeCodes = {};

const SEQ_BYTES = Buffer.from('"seq":');

function newCounting(tag, perSocket = false, events = false) {
  return {
    tagBytes: tag === undefined ? undefined : Buffer.from(`"benchTag":"${tag}"`),
    // Capacity phase: per socket, how many events of the phase arrived and whether their seqs
    // were contiguous (every subscriber got every event, in order). Off elsewhere: it costs
    // the clients a seq parse per frame.
    perSocket: perSocket ? new Map() : undefined,
    // Latency phases: per event (seq), the first and last receive time in this process and how
    // many of its sockets got it; merged over the processes this gives the fan-out spread (last
    // receive - first receive of one event across all subscribers) and per-event completeness.
    events: events ? { index: new Map(), seq: [], sentNs: [], firstNs: [], lastNs: [], count: [] } : undefined,
    outOfOrder: 0,
    delivered: 0,
    foreign: 0,
    binary: 0,
    // Minimal `net` client only: socket reads after the upgrade and frames parsed from them.
    reads: 0,
    frames: 0,
    protocolErrors: 0,
    // Sockets that got at least one event of the phase: tells the orchestrator every server-side
    // subscription is live before it starts measuring.
    reached: new WeakSet(),
    reachedCount: 0,
    histogram: hdr.build(HISTOGRAM),
  };
}

// A plain function: `ws` calls listeners with the socket as `this`. Works on the frame's bytes
// (no string per message): the load clients share the two cores with the server under test, so
// every microsecond they spend is one the server does not get.
function onMessage(data, isBinary) {
  if (isBinary) {
    counting.binary++;
    return;
  }
  record(nowNs(), data, this);
}

/** Monotonic nanoseconds since the shared base, as a double (exact far beyond a benchmark's length). */
function nowNs() {
  const [s, ns] = process.hrtime();
  return s * 1e9 + ns - baseNsNumber;
}

/**
 * Counts one received event of the current phase; `source` is the socket (or NATS subscription)
 * it came by. The stamp is the last field, `"benchNs":"<digits>"}`, read backwards from the end;
 * the seq is read after `"seq":` near the start. No JSON.parse, no string.
 */
function record(now, bytes, source) {
  if (counting.tagBytes === undefined || bytes.indexOf(counting.tagBytes) < 0) {
    counting.foreign++;
    return;
  }
  counting.delivered++;
  const seq = counting.perSocket || counting.events ? readSeq(bytes) : -1;
  if (counting.perSocket) countPerSocket(seq, source);
  if (!counting.reached.has(source)) {
    counting.reached.add(source);
    counting.reachedCount++;
  }
  const sentNs = readStamp(bytes);
  if (counting.events) trackEvent(seq, sentNs, now);
  if (sentNs < 0) return; // no stamp: counted, but no latency
  const latencyUs = Math.max(1, Math.round((now - sentNs) / 1000));
  counting.histogram.recordValue(Math.min(latencyUs, HISTOGRAM.highestTrackableValue));
}

/** The publish stamp (`"benchNs":"<digits>"}` at the very end), or -1 when there is none. */
function readStamp(bytes) {
  const i = bytes.length - 3; // skip `"}`
  let start = i;
  while (start >= 0 && bytes[start] >= 0x30 && bytes[start] <= 0x39) start--;
  if (start === i || bytes[start] !== 0x22) return -1;
  let sentNs = 0;
  for (let k = start + 1; k <= i; k++) sentNs = sentNs * 10 + (bytes[k] - 0x30);
  return sentNs;
}

/** The event's seq (digits after `"seq":`), or -1 when there is none. */
function readSeq(bytes) {
  const at = bytes.indexOf(SEQ_BYTES);
  if (at < 0) return -1;
  let seq = 0;
  for (let k = at + SEQ_BYTES.length; bytes[k] >= 0x30 && bytes[k] <= 0x39; k++) seq = seq * 10 + (bytes[k] - 0x30);
  return seq;
}

/** Per-socket count and order check (capacity phase): seqs must be contiguous within the phase. */
function countPerSocket(seq, source) {
  const entry = counting.perSocket.get(source);
  if (!entry) {
    counting.perSocket.set(source, { count: 1, last: seq });
    return;
  }
  entry.count++;
  if (seq !== entry.last + 1) counting.outOfOrder++;
  entry.last = seq;
}

/** First/last receive of one event in this process, and how many of its sockets got it. */
function trackEvent(seq, sentNs, now) {
  const e = counting.events;
  const i = e.index.get(seq);
  if (i === undefined) {
    e.index.set(seq, e.seq.length);
    e.seq.push(seq);
    e.sentNs.push(sentNs);
    e.firstNs.push(now);
    e.lastNs.push(now);
    e.count.push(1);
    return;
  }
  if (now < e.firstNs[i]) e.firstNs[i] = now;
  if (now > e.lastNs[i]) e.lastNs[i] = now;
  e.count[i]++;
}

// ---------------------------------------------------------------------------------------------
// The minimal delivery client (client 'net'): a hand-written upgrade, then ServerFrameParser on
// each read. Reads land in one buffer shared by all sockets of the process (`onread`: no Buffer
// allocated per read; the parser copies only what it must keep across reads). One clock reading
// per read serves every frame in it.

const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);
let readNow = 0;

class NetConnection {
  /** Close code of the server's close frame, if one came. */
  closeCode;

  constructor(socket) {
    this.socket = socket;
    this.parser = new ServerFrameParser({
      onMessage: (payload, isBinary) => {
        if (isBinary) counting.binary++;
        else record(readNow, payload, this);
      },
      // The gateway pings idle sockets (uWS sendPingsAutomatically): answer, masked, or be dropped.
      onPing: (payload) => socket.write(encodeClientFrame(OPCODE.PONG, payload)),
      onClose: (code) => {
        this.closeCode = code;
        socket.end(encodeClientFrame(OPCODE.CLOSE, closePayload(code === 1005 ? 1000 : code)));
      },
    });
  }

  /** Bytes after the 101 response: frames. */
  onFrames(bytes) {
    counting.reads++;
    try {
      counting.frames += this.parser.push(bytes);
    } catch (err) {
      counting.protocolErrors++;
      this.closeCode = err.code ?? 'protocol error';
      this.socket.destroy();
    }
  }
}

/**
 * Opens one delivery connection with the minimal client: the upgrade request a browser sends, then
 * `101` with the right `Sec-WebSocket-Accept` (any other answer is a failure, reported by status),
 * then frames. Frames in the same read as the end of the 101 are not lost.
 */
function netUpgrade(target, path, localAddress, onDone) {
  let connection;
  let head = '';
  let settled = false;
  const done = (outcome) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    onDone(outcome, socket, connection);
  };
  const socket = net.connect({
    host: target.hostname,
    port: Number(target.port),
    localAddress,
    onread: {
      buffer: READ_BUFFER,
      callback: (nread, buf) => {
        readNow = nowNs();
        if (connection) {
          connection.onFrames(buf.subarray(0, nread));
          return true;
        }
        if (settled) return true; // a failed handshake: the socket is being destroyed
        const before = head.length;
        head += buf.toString('latin1', 0, nread);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          if (head.length > 16_384) {
            done('oversized response');
            socket.destroy();
          }
          return true;
        }
        const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1];
        if (status !== '101') {
          done(`HTTP ${status ?? '?'}`);
          socket.destroy();
          return true;
        }
        if (!head.slice(0, end).toLowerCase().includes(`\r\nsec-websocket-accept: ${WS_ACCEPT}`)) {
          done('bad Sec-WebSocket-Accept');
          socket.destroy();
          return true;
        }
        connection = new NetConnection(socket);
        done('open');
        const rest = end + 4 - before; // first byte after the head, within this read
        if (rest < nread) connection.onFrames(buf.subarray(rest, nread));
        return true;
      },
    },
  });
  const timer = setTimeout(() => {
    done('timeout');
    socket.destroy();
  }, 10_000);
  socket.setNoDelay(true);
  socket.once('connect', () =>
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${WS_KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    ),
  );
  socket.on('error', (err) => done(err.code ?? err.message));
  socket.on('close', () => done('closed before 101'));
}

/**
 * Opens `count` connections with at most `concurrency` handshakes in flight. `connectOne(index)`
 * resolves with 'open' (the connection is registered by then) or a failure reason; the result
 * counts both and times the opens.
 */
async function openInLanes(count, concurrency, connectOne) {
  let next = 0;
  let opened = 0;
  let failed = 0;
  const failures = {};
  const startNs = process.hrtime.bigint();
  let endNs = startNs;
  const lane = async () => {
    while (next < count) {
      const outcome = await connectOne(next++);
      if (outcome === 'open') {
        opened++;
        endNs = process.hrtime.bigint();
      } else {
        failed++;
        failures[outcome] = (failures[outcome] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return { opened, failed, failures, startNs: String(startNs), endNs: String(endNs) };
}

async function openNet({ url, count, concurrency, localAddresses }) {
  const target = new URL(url);
  const path = `${target.pathname}${target.search}`;
  const connectOne = (index) =>
    new Promise((resolve) =>
      netUpgrade(target, path, localAddresses[index % localAddresses.length], (outcome, socket, connection) => {
        if (outcome !== 'open') {
          socket.destroy();
          return resolve(outcome);
        }
        netSockets.add(connection);
        socket.on('close', () => {
          if (!netSockets.delete(connection)) return;
          unexpectedCloses++;
          const code = connection.closeCode ?? 1006; // no close frame: abnormal closure, as `ws` reports it
          closeCodes[code] = (closeCodes[code] ?? 0) + 1;
        });
        resolve('open');
      }),
    );
  return { ...(await openInLanes(count, concurrency, connectOne)), client: 'net' };
}

/**
 * One WebSocket upgrade with a minimal HTTP/1.1 client: the request line and headers a browser
 * sends, then the response must be `101` with the right `Sec-WebSocket-Accept`. The connection-rate
 * phase's client (BENCH_RAW_UPGRADE_CLIENT=0 switches to `ws`): it costs the load processes about
 * 100 us per handshake against 200-260 us with `ws` (2026-11-26, 5,000 /ws/orders connections, 4 x
 * 32 in flight), most of it the kernel's TCP setup, and they share the two cores with the server.
 * After the 101 the socket is held open and whatever the server sends is discarded.
 */
function rawUpgrade(target, path, localAddress, token, onDone) {
  const socket = net.connect({ host: target.hostname, port: Number(target.port), localAddress });
  let head = '';
  let settled = false;
  const done = (outcome) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    onDone(outcome, socket);
  };
  const timer = setTimeout(() => {
    done('timeout');
    socket.destroy();
  }, 10_000);
  socket.setNoDelay(true);
  socket.once('connect', () =>
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${WS_KEY}\r\nSec-WebSocket-Version: 13\r\n` +
        (token ? `Authorization: Bearer ${token}\r\n` : '') +
        '\r\n',
    ),
  );
  const onData = (chunk) => {
    head += chunk.toString('latin1');
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (head.length > 16_384) done('oversized response');
      return;
    }
    socket.removeListener('data', onData);
    const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1];
    if (status !== '101') return done(`HTTP ${status ?? '?'}`);
    const headers = head.slice(0, end).toLowerCase();
    if (!headers.includes(`\r\nsec-websocket-accept: ${WS_ACCEPT}`)) return done('bad Sec-WebSocket-Accept');
    socket.on('data', () => undefined); // frames after the upgrade (pings): read and dropped
    done('open');
  };
  socket.on('data', onData);
  socket.on('error', (err) => done(err.code ?? err.message));
  socket.on('close', () => done('closed before 101'));
}

async function openRaw({ url, count, concurrency, localAddresses, auth }) {
  if (auth && tokens.length < count) throw new LoadClientError(`only ${tokens.length} tokens prepared for ${count} connections`);
  const target = new URL(url);
  const path = `${target.pathname}${target.search}`;
  const connectOne = (index) =>
    new Promise((resolve) =>
      rawUpgrade(target, path, localAddresses[index % localAddresses.length], auth ? tokens[index] : undefined, (outcome, socket) => {
        if (outcome !== 'open') {
          socket.destroy();
          return resolve(outcome);
        }
        rawSockets.add(socket);
        socket.on('close', () => {
          if (!rawSockets.delete(socket)) return;
          unexpectedCloses++;
          closeCodes.raw = (closeCodes.raw ?? 0) + 1;
        });
        resolve('open');
      }),
    );
  return { ...(await openInLanes(count, concurrency, connectOne)), client: 'raw' };
}

/**
 * Opens `count` sockets with at most `concurrency` handshakes in flight; resolves with timings.
 * `client`: 'ws' (the `ws` library) or 'net' (the minimal client above; no auth header). `raw`:
 * the connection-rate phase's upgrade-only client, which discards whatever follows the 101.
 */
async function open({ url, count, concurrency, localAddresses, auth, raw = false, client = 'ws' }) {
  if (raw) return openRaw({ url, count, concurrency, localAddresses, auth });
  if (client === 'net') {
    if (auth) throw new LoadClientError("client 'net' opens delivery connections only (no Authorization header)");
    return openNet({ url, count, concurrency, localAddresses });
  }
  if (client !== 'ws') throw new LoadClientError(`unknown client "${client}" (ws, net)`);
  if (auth && tokens.length < count) throw new LoadClientError(`only ${tokens.length} tokens prepared for ${count} connections`);
  const connectOne = (index) =>
    new Promise((resolve) => {
      const options = { perMessageDeflate: false, handshakeTimeout: 10_000, localAddress: localAddresses[index % localAddresses.length] };
      if (auth) options.headers = { authorization: `Bearer ${tokens[index]}` };
      const ws = new WebSocket(url, options);
      let settled = false;
      const fail = (reason) => {
        if (settled) return;
        settled = true;
        ws.terminate();
        resolve(reason);
      };
      ws.on('unexpected-response', (_req, res) => fail(`HTTP ${res.statusCode}`));
      ws.on('error', (err) => fail(err.code ?? err.message));
      ws.on('open', () => {
        if (settled) return;
        settled = true;
        sockets.add(ws);
        ws.on('message', onMessage);
        ws.on('close', (code) => {
          if (!sockets.delete(ws)) return;
          unexpectedCloses++;
          closeCodes[code] = (closeCodes[code] ?? 0) + 1;
        });
        resolve('open');
      });
    });
  return openInLanes(count, concurrency, connectOne);
}

async function prepareTokens({ secret, count, prefix }) {
  const key = new TextEncoder().encode(secret);
  tokens = [];
  for (let i = 0; i < count; i++) {
    tokens.push(await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(`${prefix}-${i}`).setIssuedAt().setExpirationTime('2h').sign(key));
  }
  return { prepared: tokens.length };
}

/** Closes every socket this process holds (abruptly: the benchmark does not measure closing). */
async function closeAll({ timeoutMs = 10_000 } = {}) {
  const all = [...sockets];
  sockets.clear();
  const raws = [...rawSockets];
  rawSockets.clear();
  for (const socket of raws) socket.destroy();
  const nets = [...netSockets];
  netSockets.clear();
  for (const connection of nets) connection.socket.destroy();
  await Promise.race([
    Promise.all(
      all.map(
        (ws) =>
          new Promise((resolve) => {
            if (ws.readyState === WebSocket.CLOSED) return resolve();
            ws.once('close', resolve);
            ws.terminate();
          }),
      ),
    ),
    new Promise((resolve) => setTimeout(resolve, timeoutMs).unref()),
  ]);
  return { closed: all.length + raws.length + nets.length };
}

function count({ tag, perSocket = false, events = false }) {
  counting = newCounting(tag, perSocket, events);
  return { counting: tag };
}

function stats({ histogram = true, events = false } = {}) {
  const e = counting.events;
  return {
    reached: counting.reachedCount,
    open: sockets.size + netSockets.size,
    delivered: counting.delivered,
    foreign: counting.foreign,
    binary: counting.binary,
    unexpectedCloses,
    closeCodes,
    histogram: histogram && counting.histogram.totalCount > 0 ? hdr.encodeIntoCompressedBase64(counting.histogram) : undefined,
    perSocket: counting.perSocket ? perSocketSummary() : undefined,
    reads: counting.reads,
    frames: counting.frames,
    protocolErrors: counting.protocolErrors,
    events: events && e ? { seq: e.seq, sentNs: e.sentNs, firstNs: e.firstNs, lastNs: e.lastNs, count: e.count } : undefined,
  };
}

function perSocketSummary() {
  let min = Infinity;
  let max = 0;
  for (const { count } of counting.perSocket.values()) {
    if (count < min) min = count;
    if (count > max) max = count;
  }
  // Sockets that got nothing of the phase are not in the map: report them against the open ones.
  return { sockets: counting.perSocket.size, open: sockets.size + netSockets.size, min: counting.perSocket.size === 0 ? 0 : min, max, outOfOrder: counting.outOfOrder };
}

/**
 * Calibration: a plain NATS subscriber in this process, recording into the same counters. Its
 * latency is the harness's own floor (publisher, nats-server, this process waking up), with no
 * gateway in the path.
 */
let natsConnection;
async function natsSubscribe({ natsUrl, subject }) {
  const { connect } = await import('@nats-io/transport-node');
  natsConnection ??= await connect({ servers: natsUrl, name: `bench-load-client-${process.pid}` });
  const sub = natsConnection.subscribe(subject, {
    callback: (err, msg) => {
      if (!err) record(nowNs(), Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength), sub);
    },
  });
  await natsConnection.flush();
  return { subscribed: subject };
}

async function natsClose() {
  await natsConnection?.close();
  natsConnection = undefined;
  return {};
}

const handlers = {
  natsSubscribe,
  natsClose,
  init: ({ baseNs: base }) => {
    baseNsNumber = Number(BigInt(base));
    return { pid: process.pid };
  },
  prepareTokens,
  open,
  count,
  stats,
  closeAll,
  exit: () => {
    setImmediate(() => process.exit(0));
    return {};
  },
};

process.on('message', async ({ id, op, args }) => {
  try {
    const handler = handlers[op];
    if (!handler) throw new LoadClientError(`unknown op "${op}"`);
    process.send({ id, ok: true, result: await handler(args ?? {}) });
  } catch (err) {
    process.send({ id, ok: false, error: { code: err.code ?? 'ERROR', message: err.message } });
  }
});
// The orchestrator going away (even by SIGKILL) closes the IPC channel: never outlive it.
process.on('disconnect', () => process.exit(0));
