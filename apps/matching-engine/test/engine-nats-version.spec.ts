import { describe, expect, it } from '@jest/globals';
import { natsServerVersion, waitFor } from '@trading/testing';
import { parseServerVersion, retentionIsCheap } from '../src/nats/server-version.js';
import { engineTestBed, waitForLogs, waitForRoles } from './engine-harness.js';

const OLD_SERVER_WARNING = 'nats-server older than 2.10';

describe('engine: the nats-server version it runs against', () => {
  const bed = engineTestBed();

  it('logs the server version, and warns when a full event-retention window would be expensive', async () => {
    const installed = natsServerVersion();
    expect(installed).toBeDefined();
    const engine = await bed.start('version-probe', { NATS_URL: bed.nats.url, SYMBOLS: 'VER-USD:0.01:0.001' });
    await waitForRoles(engine, ['VER-USD'], 'owner');

    const [connected] = await waitForLogs(engine, 'connected to NATS');
    expect(connected.serverVersion).toBe(installed);

    const warnings = () => engine.service.logs.split('\n').filter((line) => line.includes(OLD_SERVER_WARNING));
    if (retentionIsCheap(parseServerVersion(installed)) === false) {
      await waitFor(() => warnings().length > 0, { description: 'the old-server warning' });
      const line = JSON.parse(warnings()[0]!);
      expect(line).toMatchObject({ level: 40, serverVersion: installed, wanted: '>= 2.10' });
    } else {
      // Logged right after "connected to NATS", which has arrived: none came.
      expect(warnings()).toEqual([]);
    }
  });
});
