import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { waitFor } from './wait-for.js';

/**
 * Real nats-server processes for tests: ephemeral ports, JetStream on, a temp store dir each.
 * Tests never share the machine's own server on 4222, so they are hermetic.
 */
export const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? 'nats-server';

export class NatsServerMissingError extends Error {
  readonly code = 'NATS_SERVER_MISSING';
  constructor() {
    super(`${NATS_SERVER_BIN} is not installed: apt-get install -y nats-server (or set NATS_SERVER_BIN)`);
  }
}

export function natsServerAvailable(): boolean {
  return spawnSync(NATS_SERVER_BIN, ['--version']).status === 0;
}

/** The version NATS_SERVER_BIN reports, e.g. "2.9.10"; undefined when it is missing or does not say. */
export function natsServerVersion(): string | undefined {
  return /v?(\d+\.\d+\.\d+)/.exec(spawnSync(NATS_SERVER_BIN, ['--version']).stdout?.toString() ?? '')?.[1];
}

export interface NatsServerOptions {
  jetstream?: boolean;
  /** Extra config file text appended to the generated one (accounts, permissions, ...). */
  extraConfig?: string;
  /** Reuse a store dir and port, e.g. to restart "the same" server. */
  storeDir?: string;
  port?: number;
  cluster?: { name: string; port: number; routes: number[]; serverName: string };
}

export class NatsServer {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private stderr = '';

  private constructor(
    readonly port: number,
    readonly storeDir: string,
    private readonly configFile: string,
    private readonly ownsStoreDir: boolean,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  static async start(options: NatsServerOptions = {}): Promise<NatsServer> {
    if (!natsServerAvailable()) throw new NatsServerMissingError();
    // A port picked by freePort can still be taken by a parallel test before nats-server binds it:
    // retry on a fresh port when the caller did not ask for a specific one.
    for (let attempt = 1; ; attempt++) {
      try {
        return await NatsServer.startOnce(options);
      } catch (err) {
        const portClash = /address already in use/i.test(String((err as Error).message));
        if (!portClash || options.port !== undefined || options.cluster !== undefined || attempt >= 3) throw err;
      }
    }
  }

  private static async startOnce(options: NatsServerOptions): Promise<NatsServer> {
    const port = options.port ?? (await freePort());
    const ownsStoreDir = options.storeDir === undefined;
    const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), 'nats-test-'));
    const lines = [
      `listen: 127.0.0.1:${port}`,
      `server_name: ${options.cluster?.serverName ?? `test-${port}`}`,
      'max_payload: 1048576',
    ];
    if (options.jetstream !== false) lines.push(`jetstream { store_dir: "${storeDir}", max_memory_store: 268435456, max_file_store: 2147483648 }`);
    if (options.cluster) {
      const routes = options.cluster.routes.map((p) => `nats-route://127.0.0.1:${p}`).join(', ');
      lines.push(`cluster { name: ${options.cluster.name}, listen: 127.0.0.1:${options.cluster.port}, routes: [${routes}] }`);
    }
    if (options.extraConfig) lines.push(options.extraConfig);
    const configFile = join(storeDir, `nats-${port}.conf`);
    writeFileSync(configFile, lines.join('\n') + '\n');
    const server = new NatsServer(port, storeDir, configFile, ownsStoreDir);
    await server.launch();
    return server;
  }

  private async launch(): Promise<void> {
    const child = spawn(NATS_SERVER_BIN, ['-c', this.configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    this.stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-8000);
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitFor(
      async () => {
        if (!this.running) throw new Error(`nats-server exited: ${this.stderr}`);
        return canConnect(this.port);
      },
      { timeoutMs: 15_000, description: `nats-server on port ${this.port}` },
    );
  }

  /** Stops gracefully (SIGTERM) and keeps the store dir, so `restart` brings the same data back. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    await this.exited;
  }

  /** Kills with SIGKILL, as a crash would. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGKILL');
    await this.exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** Stops and removes the temp store dir. */
  async dispose(): Promise<void> {
    await this.kill();
    if (this.ownsStoreDir) rmSync(this.storeDir, { recursive: true, force: true });
  }

  get log(): string {
    return this.stderr;
  }
}

/** A 3-node (by default) JetStream cluster on loopback, for fault tests. */
export class NatsCluster {
  private constructor(readonly nodes: NatsServer[]) {}

  get urls(): string[] {
    return this.nodes.map((n) => n.url);
  }

  /** Comma-separated, as NATS_URL takes it. */
  get natsUrl(): string {
    return this.urls.join(',');
  }

  static async start(size = 3, extraConfig?: string): Promise<NatsCluster> {
    // A port picked by freePort can be taken by a parallel test before a node binds it: start the
    // whole cluster again on fresh ports (nodes that did start are disposed first).
    for (let attempt = 1; ; attempt++) {
      const ports = new Set<number>();
      while (ports.size < 2 * size) ports.add(await freePort()); // distinct: parallel picks can repeat
      const [clientPorts, routePorts] = [[...ports].slice(0, size), [...ports].slice(size)];
      const name = `test-cluster-${clientPorts[0]}`;
      const results = await Promise.allSettled(
        clientPorts.map((port, i) =>
          NatsServer.start({
            port,
            extraConfig,
            cluster: { name, port: routePorts[i], routes: routePorts.filter((_, j) => j !== i), serverName: `n${i + 1}-${port}` },
          }),
        ),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.dispose() : undefined)));
        const portClash = /address already in use/i.test(String((failed.reason as Error)?.message));
        if (!portClash || attempt >= 3) throw failed.reason;
        continue;
      }
      const cluster = new NatsCluster(results.map((r) => (r as PromiseFulfilledResult<NatsServer>).value));
      await cluster.waitForJetStream();
      return cluster;
    }
  }

  async dispose(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.dispose()));
  }

  /** Resolves once JetStream has a meta leader and answers API requests (cluster start takes a few seconds). */
  async waitForJetStream(timeoutMs = 30_000): Promise<void> {
    const nc = await connect({ servers: this.urls });
    try {
      await waitFor(
        async () => {
          const jsm = await jetstreamManager(nc, { timeout: 1000 });
          await jsm.getAccountInfo();
          return true;
        },
        { timeoutMs, description: 'JetStream meta leader', intervalMs: 200 },
      );
    } finally {
      await nc.close();
    }
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export function writeTempFile(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'test-file-'));
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}
