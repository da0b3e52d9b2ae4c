import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { delay, NatsServer } from '@trading/testing';
import { JournalAppendError } from '../src/journal/journal-errors.js';
import { ensureJournalStream } from '../src/journal/journal-stream.js';
import { JournalWriter } from '../src/journal/journal-writer.js';

/**
 * "No responders" on a journal append means nobody received the batch (no stream leader yet, as
 * during an election after a cluster node died). The writer retries it while the owner still holds
 * its lease, instead of failing the symbol. Here the stream simply does not exist yet, which gives
 * the same answer, and is created while the append waits.
 */
describe('JournalWriter: "no responders" while the lease is held', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  beforeAll(async () => {
    nats = await NatsServer.start({ jetstream: true });
    nc = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.dispose();
  });

  it('fails after the append timeout when the lease is not held (keepTrying false)', async () => {
    const writer = new JournalWriter(nc, 300);
    await expect(writer.append('NOSTREAM-USD', '{"v":1,"e":[]}', 0, () => false)).rejects.toBeInstanceOf(JournalAppendError);
  });

  it('waits past the append timeout for the stream to answer, then stores the batch once', async () => {
    const writer = new JournalWriter(nc, 300);
    let holds = true;
    const appended = writer.append('BTC-USD', '{"v":1,"e":[]}', 0, () => holds);
    // The append keeps retrying beyond its 300 ms timeout; the stream appears after 800 ms.
    await delay(800);
    await ensureJournalStream(nc, { maxAgeSeconds: 3600, replicas: 1 });
    expect(await appended).toBe(1);
    holds = false;
    // The expected-last-sequence fencing still applies to the next batch.
    expect(await writer.append('BTC-USD', '{"v":1,"e":[]}', 1, () => holds)).toBe(2);
  });
});
