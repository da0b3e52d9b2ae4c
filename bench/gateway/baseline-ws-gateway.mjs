// The benchmark's baseline: the straightforward WebSocket gateway a team would write first with
// the `ws` package and the NATS client, serving the endpoints the benchmark measures with the
// same contract behaviour (contract section 5). It is deliberately plain (a Set of sockets per
// symbol, one ws.send per socket per event) but not deliberately slow (no per-socket re-encoding,
// no compression, bufferutil as a normal install brings it).
//
//   GET /ws/trades[?symbols=A-B,C-D]  TradeExecuted events of all or the listed symbols
//   GET /ws/orders                    the JWT user's OrderUpdate events (401 at upgrade without one)
//
// Env: NATS_URL (default nats://127.0.0.1:4222), PORT (default 8080), HOST (default 127.0.0.1),
// JWT_SECRET (HS256, required), MAX_BUFFERED_BYTES (slow-consumer limit, default 1 MiB),
// LOG_LEVEL (debug|info|warn|error|silent, default info).
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { connect } from '@nats-io/transport-node';
import { jwtVerify } from 'jose';
import { isSymbol, isUserId, subjects } from '@trading/contracts';

class ConfigError extends Error {
  code = 'INVALID_CONFIG';
}

function readConfig(env) {
  const port = Number(env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be a TCP port, got "${env.PORT}"`);
  if (!env.JWT_SECRET) throw new ConfigError('JWT_SECRET is required (HS256 secret)');
  const maxBuffered = Number(env.MAX_BUFFERED_BYTES ?? 1024 * 1024);
  if (!Number.isInteger(maxBuffered) || maxBuffered <= 0) throw new ConfigError(`MAX_BUFFERED_BYTES must be a positive integer, got "${env.MAX_BUFFERED_BYTES}"`);
  return {
    natsServers: (env.NATS_URL ?? 'nats://127.0.0.1:4222').split(',').map((s) => s.trim()),
    host: env.HOST ?? '127.0.0.1',
    port,
    secret: new TextEncoder().encode(env.JWT_SECRET),
    maxBuffered,
  };
}

const TRADE_PREFIX = 'trading.trade.';
const CLOSE_GOING_AWAY = 1001;
const CLOSE_SLOW_CONSUMER = 4008;
const TEXT = { binary: false };

const LEVELS = { debug: 20, info: 30, warn: 40, error: 50, silent: 100 };
const logThreshold = LEVELS[process.env.LOG_LEVEL ?? 'info'] ?? LEVELS.info;

function log(msg, extra = {}, level = 'info') {
  if (LEVELS[level] < logThreshold) return;
  process.stdout.write(JSON.stringify({ time: Date.now(), level, service: 'baseline-ws-gateway', msg, ...extra }) + '\n');
}

function refuse(socket, status, reason) {
  if (socket.destroyed) return;
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${reason.length}\r\n\r\n${reason}`);
}

function tokenOf(req, url) {
  const header = req.headers.authorization;
  if (typeof header === 'string' && header.startsWith('Bearer ')) return header.slice(7).trim();
  return url.searchParams.get('token') ?? undefined;
}

/** Sends to one socket, closing it as a slow consumer instead of buffering without bound. */
function sendTo(ws, data, maxBuffered) {
  if (ws.readyState !== 1) return;
  if (ws.bufferedAmount > maxBuffered) {
    ws.close(CLOSE_SLOW_CONSUMER, 'slow consumer');
    return;
  }
  ws.send(data, TEXT);
}

async function main() {
  const config = readConfig(process.env);
  const nc = await connect({ servers: config.natsServers, name: 'baseline-ws-gateway', maxReconnectAttempts: -1 });

  const allTrades = new Set();
  const tradesBySymbol = new Map();
  nc.subscribe(subjects.allTrades(), {
    callback: (err, msg) => {
      if (err) return log('trade subscription error', { error: err.message }, 'error');
      const data = msg.data;
      for (const ws of allTrades) sendTo(ws, data, config.maxBuffered);
      const listeners = tradesBySymbol.get(msg.subject.slice(TRADE_PREFIX.length));
      if (listeners) for (const ws of listeners) sendTo(ws, data, config.maxBuffered);
    },
  });

  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 });
  const http = createServer((_req, res) => {
    res.writeHead(404).end();
  });

  function acceptTrades(req, socket, head, url) {
    const param = url.searchParams.get('symbols');
    const symbols = param === null ? undefined : param.split(',');
    if (symbols && (symbols.length === 0 || !symbols.every(isSymbol))) return refuse(socket, 400, 'Bad Request');
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (!symbols) allTrades.add(ws);
      else
        for (const symbol of symbols) {
          let set = tradesBySymbol.get(symbol);
          if (!set) tradesBySymbol.set(symbol, (set = new Set()));
          set.add(ws);
        }
      ws.on('close', () => {
        allTrades.delete(ws);
        for (const symbol of symbols ?? []) {
          const set = tradesBySymbol.get(symbol);
          set?.delete(ws);
          if (set?.size === 0) tradesBySymbol.delete(symbol);
        }
      });
      ws.on('error', () => ws.terminate());
    });
  }

  async function acceptOrders(req, socket, head, url) {
    const token = tokenOf(req, url);
    let userId;
    try {
      if (!token) throw new Error('no token');
      const { payload } = await jwtVerify(token, config.secret, { algorithms: ['HS256'] });
      if (!isUserId(payload.sub)) throw new Error('sub is not a valid user id');
      userId = payload.sub;
    } catch {
      return refuse(socket, 401, 'Unauthorized');
    }
    if (socket.destroyed) return;
    wss.handleUpgrade(req, socket, head, (ws) => {
      const sub = nc.subscribe(subjects.ordersOfUser(userId), {
        callback: (err, msg) => {
          if (!err) sendTo(ws, msg.data, config.maxBuffered);
        },
      });
      ws.on('close', () => sub.unsubscribe());
      ws.on('error', () => ws.terminate());
    });
  }

  http.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    let url;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return refuse(socket, 400, 'Bad Request');
    }
    if (url.pathname === '/ws/trades') return acceptTrades(req, socket, head, url);
    if (url.pathname === '/ws/orders') return void acceptOrders(req, socket, head, url).catch(() => refuse(socket, 500, 'Internal Server Error'));
    refuse(socket, 404, 'Not Found');
  });

  await new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, resolve);
  });
  log('listening', { host: config.host, port: http.address().port });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    for (const ws of wss.clients) ws.close(CLOSE_GOING_AWAY, 'shutting down');
    http.close();
    await nc.drain().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`baseline-ws-gateway: ${err.code ?? 'FATAL'}: ${err.message}\n`);
  process.exit(1);
});
