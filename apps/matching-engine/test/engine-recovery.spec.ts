import { describe, expect, it } from '@jest/globals';
import { waitFor } from '@trading/testing';
import { placeBody, record, request, waitForLogs, waitForRoles, engineTestBed } from './engine-harness.js';

/** Seqs of one subject across engine lives: repeats must be byte-identical, and there is no gap. */
function checkContiguous(messages: { text: string }[]): number {
  const bySeq = new Map<number, string>();
  for (const { text } of messages) {
    const seq = JSON.parse(text).seq as number;
    const seen = bySeq.get(seq);
    if (seen !== undefined) expect(text).toBe(seen);
    bySeq.set(seq, text);
  }
  const max = Math.max(0, ...bySeq.keys());
  for (let seq = 1; seq <= max; seq++) expect(bySeq.has(seq)).toBe(true);
  return max;
}

describe('crash recovery: kill -9 mid-load, restart from snapshot + journal', () => {
  const bed = engineTestBed();
  const env = () => ({ NATS_URL: bed.nats.url, SYMBOLS: 'BTC-USD', SNAPSHOT_INTERVAL_COMMANDS: '40', INSTANCE_ID: 'rec-1' });

  it('keeps every acknowledged order and continues seqs without a gap', async () => {
    const book = record(bed.nc, 'trading.book.BTC-USD');
    const orders = record(bed.nc, 'trading.order.*.BTC-USD');
    await bed.nc.flush();
    const first = await bed.start('rec-1', env());
    await waitForRoles(first, ['BTC-USD'], 'owner');

    // Resting buys at many prices (no crossing), 16 in flight, until well past a few snapshots.
    const acked: { body: Record<string, unknown>; reply: any }[] = [];
    let sent = 0;
    let killed = false;
    const sender = async (lane: number) => {
      while (!killed) {
        const body = placeBody({ userId: `u${lane}`, price: `${100 + (sent++ % 50)}.00`, quantity: '0.0100' });
        try {
          const reply = await request(bed.nc, 'trading.cmd.BTC-USD', body, 2000);
          if (reply.ok) acked.push({ body, reply });
        } catch {
          // No reply: not acknowledged, so the engine owes nothing for it (it may or may not be journaled).
        }
      }
    };
    const lanes = Array.from({ length: 16 }, (_, i) => sender(i));
    await waitFor(() => acked.length >= 300, { timeoutMs: 20_000, description: '300 acknowledged orders' });
    await first.service.kill(); // SIGKILL while requests are in flight
    killed = true;
    await Promise.all(lanes);
    const ackedCount = acked.length;

    const second = await bed.start('rec-1b', env());
    await waitForRoles(second, ['BTC-USD'], 'owner');

    const [recovered] = await waitForLogs(second, 'owner of symbol');
    const ownerLog = JSON.stringify(recovered);
    expect(recovered.snapshotSeq).toBeGreaterThan(0); // started from a periodic snapshot, then the journal tail
    expect(recovered.journalSeq).toBeGreaterThanOrEqual(recovered.snapshotSeq);
    process.stdout.write(`recovery: ${ownerLog}\n`);

    // Every acknowledged order is known: the identical resend returns the original reply.
    for (const { body, reply } of acked) {
      expect(await request(bed.nc, 'trading.cmd.BTC-USD', body)).toEqual(reply);
    }
    const snapshot = await request(bed.nc, 'trading.snapshot.BTC-USD', { depth: 1000 });
    const restingLots = snapshot.bids.reduce((sum: number, [, qty]: [string, string]) => sum + Math.round(Number(qty) * 10_000), 0);
    expect(restingLots).toBeGreaterThanOrEqual(ackedCount * 100);

    // New commands continue the seqs; the recorder saw every seq once or as an identical repeat.
    const after = await request(bed.nc, 'trading.cmd.BTC-USD', placeBody({ price: '99.00', quantity: '0.0100' }));
    expect(after.ok).toBe(true);
    await bed.nc.flush();
    await waitFor(() => book.messages.some((m) => JSON.parse(m.text).seq === snapshot.seq + 1), { description: 'book update after restart' });
    const maxBookSeq = checkContiguous(book.messages);
    expect(maxBookSeq).toBe(snapshot.seq + 1);
    const perUser = new Map<string, { text: string }[]>();
    for (const m of orders.messages) perUser.set(m.subject, [...(perUser.get(m.subject) ?? []), m]);
    for (const messages of perUser.values()) checkContiguous(messages);

    const metrics = await (await fetch(`${second.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/engine_symbol_role\{symbol="BTC-USD",role="owner"\} 1/);
    book.stop();
    orders.stop();
  });
  it('recovers many symbols at once (bulk reads) after kill -9 and after a graceful stop', async () => {
    const symbols = Array.from({ length: 20 }, (_, i) => `M${i}-USD`);
    const manyEnv = { NATS_URL: bed.nats.url, SYMBOLS: symbols.join(','), INSTANCE_ID: 'bulk-1', SNAPSHOT_INTERVAL_COMMANDS: '3' };
    const first = await bed.start('bulk-1', manyEnv);
    await waitForRoles(first, symbols, 'owner');
    const placed: { symbol: string; body: Record<string, unknown>; reply: unknown }[] = [];
    for (const symbol of symbols) {
      // Five orders each: a periodic snapshot (every 3) plus a journal tail after it.
      for (let k = 0; k < 5; k++) {
        const body = placeBody({ price: `${50 + k}.00` });
        placed.push({ symbol, body, reply: await request(bed.nc, `trading.cmd.${symbol}`, body) });
      }
    }
    await first.service.kill();
    const second = await bed.start('bulk-2', manyEnv);
    await waitForRoles(second, symbols, 'owner');
    await waitForLogs(second, 'recovery data prefetched');
    for (const { symbol, body, reply } of placed) expect(await request(bed.nc, `trading.cmd.${symbol}`, body)).toEqual(reply);

    expect(await second.service.terminate()).toBe(0);
    const third = await bed.start('bulk-3', manyEnv);
    await waitForRoles(third, symbols, 'owner');
    const owners = await waitForLogs(third, 'owner of symbol', symbols.length);
    expect(owners).toHaveLength(symbols.length);
    // The shutdown snapshot covered everything: nothing to replay.
    for (const o of owners) expect(o).toMatchObject({ replayedCommands: 0, republishedEvents: 0 });
    for (const symbol of symbols) {
      const snapshot = await request(bed.nc, `trading.snapshot.${symbol}`, {});
      expect(snapshot.bids.map(([price]: [string]) => price)).toEqual(['54.00', '53.00', '52.00', '51.00', '50.00']);
    }
  });
});
