import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { delay } from '@trading/testing';

/** Asks the stream's leader to step down until a node of `wanted` leads it; returns that leader's name. */
export async function moveLeader(nc: NatsConnection, jsm: JetStreamManager, stream: string, wanted: (leader: string) => boolean): Promise<string> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const leader = (await jsm.streams.info(stream).catch(() => undefined))?.cluster?.leader;
    if (leader && wanted(leader)) return leader;
    if (leader) await nc.request(`$JS.API.STREAM.LEADER.STEPDOWN.${stream}`, '', { timeout: 5000 }).catch(() => undefined);
    await delay(leader ? 1000 : 100);
  }
  throw new Error(`could not move the leader of ${stream}`);
}
