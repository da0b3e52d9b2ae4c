import { describe, expect, it } from '@jest/globals';
import { jetstream } from '@nats-io/jetstream';
import { waitFor } from '@trading/testing';
import { JournalWriter } from '../src/journal/journal-writer.js';
import { JournalFencedError } from '../src/journal/journal-errors.js';
import { ensureJournalStream, lastJournalSeq } from '../src/journal/journal-stream.js';
import { encodeBatch, encodeEntry } from '../src/journal/journal-format.js';
import { placeBody, request, waitForLogs, waitForRoles, engineTestBed } from './engine-harness.js';

describe('fencing: a deposed owner cannot append to the journal', () => {
  const bed = engineTestBed();

  it('JournalWriter: an append naming a stale last seq is refused with JournalFencedError', async () => {
    const jsm = await ensureJournalStream(bed.nc, { maxAgeSeconds: 0, replicas: 1 });
    const oldOwner = new JournalWriter(bed.nc, 2000);
    const newOwner = new JournalWriter(bed.nc, 2000);
    const batch = encodeBatch([encodeEntry(1, placeBody() as never)]);
    const s1 = await oldOwner.append('SOL-USD', batch, 0);
    // The new owner reads where the journal ends and appends from there.
    const end = await lastJournalSeq(jsm, 'SOL-USD');
    expect(end).toBe(s1);
    const s2 = await newOwner.append('SOL-USD', batch, end);
    expect(s2).toBeGreaterThan(s1);
    // The old owner still believes s1 is the end: refused, nothing written.
    const refused = oldOwner.append('SOL-USD', batch, s1);
    await expect(refused).rejects.toBeInstanceOf(JournalFencedError);
    await expect(refused).rejects.toMatchObject({ code: 'JOURNAL_FENCED', symbol: 'SOL-USD', expectedLastSeq: s1 });
    expect(await lastJournalSeq(jsm, 'SOL-USD')).toBe(s2);
    // Expecting "no message yet" on a subject that has some is refused too (a second first writer).
    await expect(newOwner.append('SOL-USD', batch, 0)).rejects.toBeInstanceOf(JournalFencedError);
  });

  it('a running owner whose journal another writer moved steps down, sends no reply, and later recovers that write', async () => {
    const engine = await bed.start('fenced', { NATS_URL: bed.nats.url, SYMBOLS: 'ADA-USD', LEASE_TTL_MS: '1000' });
    await waitForRoles(engine, ['ADA-USD'], 'owner');
    expect((await request(bed.nc, 'trading.cmd.ADA-USD', placeBody({ userId: 'first', price: '1.00' }))).ok).toBe(true);

    // Another writer (as a second owner would) appends a batch after the engine's last one.
    const jsm = await ensureJournalStream(bed.nc, { maxAgeSeconds: 0, replicas: 1 });
    const intruderCommand = placeBody({ userId: 'intruder', price: '2.00' });
    const js = jetstream(bed.nc);
    await js.publish('journal.ADA-USD', encodeBatch([encodeEntry(Date.now(), intruderCommand as never)]), {
      expect: { lastSubjectSequence: await lastJournalSeq(jsm, 'ADA-USD') },
    });

    // The engine's next append is refused: it must not answer (the command is not journaled).
    await expect(request(bed.nc, 'trading.cmd.ADA-USD', placeBody({ userId: 'late', price: '3.00' }), 1000)).rejects.toThrow();
    await waitFor(async () => /engine_journal_failures_total\{reason="fenced"\} 1/.test(await (await fetch(`${engine.adminUrl}/metrics`)).text()), {
      description: 'fenced failure counted',
    });
    await waitForLogs(engine, 'journal append failed; stepping down for this symbol');

    // Its lease ages out, it takes the symbol again from the journal, which includes the other write.
    await waitForRoles(engine, ['ADA-USD'], 'owner');
    const snapshot = await request(bed.nc, 'trading.snapshot.ADA-USD', {});
    expect(snapshot.bids.map(([price]: [string]) => price)).toEqual(['2.00', '1.00']);
    expect(engine.service.running).toBe(true);
  });
});
