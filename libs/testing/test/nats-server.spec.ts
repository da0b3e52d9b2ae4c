import { afterAll, describe, expect, it } from '@jest/globals';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { existsSync } from 'node:fs';
import { NatsCluster, NatsServer, natsServerVersion, waitFor } from '../src/index.js';

describe('NatsServer harness', () => {
  const servers: { dispose(): Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.dispose()));
  });

  it('names the version of the server it starts', async () => {
    const server = await NatsServer.start();
    servers.push(server);
    const nc = await connect({ servers: server.url });
    try {
      expect(natsServerVersion()).toMatch(/^\d+\.\d+\.\d+$/);
      expect(natsServerVersion()).toBe(nc.info?.version);
    } finally {
      await nc.close();
    }
  });

  it('starts a JetStream server on an ephemeral port with its own store and keeps data across restart', async () => {
    const server = await NatsServer.start();
    servers.push(server);
    expect(server.port).not.toBe(4222);
    expect(existsSync(server.storeDir)).toBe(true);

    let nc = await connect({ servers: server.url });
    let jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'HARNESS', subjects: ['harness.>'] });
    await nc.request('harness.x', 'hello');
    await nc.close();

    await server.restart();
    nc = await connect({ servers: server.url });
    jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info('HARNESS');
    expect(info.state.messages).toBe(1);
    await nc.close();
  });

  it('kill() stops the process so clients see it gone', async () => {
    const server = await NatsServer.start({ jetstream: false });
    servers.push(server);
    await server.kill();
    expect(server.running).toBe(false);
    await expect(connect({ servers: server.url, reconnect: false, timeout: 500 })).rejects.toThrow();
  });

  it('forms a 3-node JetStream cluster', async () => {
    const cluster = await NatsCluster.start(3);
    servers.push(cluster);
    expect(cluster.urls).toHaveLength(3);
    const nc = await connect({ servers: cluster.urls });
    const jsm = await jetstreamManager(nc);
    const info = await waitFor(() => jsm.streams.add({ name: 'REPL', subjects: ['repl.>'], num_replicas: 3 }), {
      timeoutMs: 20_000,
      description: 'an R3 stream on the cluster',
    });
    expect(info.config.num_replicas).toBe(3);
    await nc.close();
  });
});
