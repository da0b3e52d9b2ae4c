import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';

/**
 * A TCP hop between a client and a server (e.g. a service and nats-server) that a test can break the
 * ways a real network or a dying server does:
 * - `blackhole()`: bytes from the client are read and thrown away (the server never sees them)
 *   while the connection stays up, like a server process that has stopped reading and is about to
 *   die, or a link that silently drops;
 * - `cut()`: every connection through the hop is destroyed and the hop stops accepting, like a
 *   `kill -9` of the server (the client sees its socket close);
 * - `open()`: accepting again (after `cut()`).
 */
export class TcpHop {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private dropping = false;
  /** Bytes from clients thrown away by `blackhole()`. */
  droppedBytes = 0;

  private constructor(
    readonly port: number,
    private readonly targetPort: number,
    private readonly host: string,
  ) {}

  /** Listens on `port` (0: any free port) and forwards every connection to `host:targetPort`. */
  static async start(targetPort: number, port = 0, host = '127.0.0.1'): Promise<TcpHop> {
    const hop = new TcpHop(port, targetPort, host);
    await hop.open();
    return hop;
  }

  get url(): string {
    return `nats://${this.host}:${this.port}`;
  }

  async open(): Promise<void> {
    this.dropping = false;
    const server = createServer((client) => {
      const upstream = tcpConnect(this.targetPort, this.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.on('data', (chunk: Buffer) => {
        if (this.dropping) this.droppedBytes += chunk.length;
        else upstream.write(chunk);
      });
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => resolve());
    });
    (this as { port: number }).port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** From now on, bytes sent by clients are discarded (connections stay open). */
  blackhole(): void {
    this.dropping = true;
  }

  /** Destroys every connection through the hop and stops accepting new ones. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
