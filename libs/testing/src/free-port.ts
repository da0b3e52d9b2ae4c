import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Finds an unused TCP port on loopback for a server a test is about to start.
 *
 * Why not just port 0: a port the OS hands out from its ephemeral range can be taken by any
 * outgoing client socket in the short window before the server binds it, and these tests open
 * thousands of client sockets. So ports come from below the ephemeral range, picked at random
 * (parallel Jest workers rarely collide) and checked by binding.
 */
const [ephemeralLow] = readEphemeralRange();
const RANGE_LOW = 10_000;
const RANGE_HIGH = Math.max(RANGE_LOW + 1000, Math.min(ephemeralLow, 65_535));

export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = RANGE_LOW + Math.floor(Math.random() * (RANGE_HIGH - RANGE_LOW));
    if (await canBind(port, host)) return port;
  }
  return osAssignedPort(host);
}

function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function osAssignedPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function readEphemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return [low, high];
  } catch {
    // not Linux: fall back to the IANA dynamic range
  }
  return [49_152, 65_535];
}
