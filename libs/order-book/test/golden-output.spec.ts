import { describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GOLDEN_COMMANDS, GOLDEN_SEED, goldenCommands, goldenLines, sha256 } from './golden-stream.js';

/**
 * Output bytes of a seeded stream of 5,000 commands, recorded before the engine's performance work
 * (fixtures/golden-output.json: a hash of every line plus the first lines verbatim, so a failure
 * shows where output changed). Re-record only for an intended output change:
 * GOLDEN_RECORD=1 node --experimental-vm-modules node_modules/jest/bin/jest.js libs/order-book/test/golden-output
 */
const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'golden-output.json');
const SAMPLE = 150;

interface Golden {
  seed: number;
  commands: number;
  lines: number;
  sha256: string;
  firstLines: string[];
}

describe('golden output of a seeded command stream', () => {
  const lines = goldenLines(goldenCommands());

  if (process.env.GOLDEN_RECORD === '1') {
    const golden: Golden = { seed: GOLDEN_SEED, commands: GOLDEN_COMMANDS, lines: lines.length, sha256: sha256(lines), firstLines: lines.slice(0, SAMPLE) };
    writeFileSync(FIXTURE, `${JSON.stringify(golden, null, 1)}\n`);
  }
  const golden = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Golden;

  it('the stream exercises every kind of outcome', () => {
    const text = lines.join('\n');
    for (const needle of [
      '"status":"FILLED"',
      '"status":"PARTIALLY_FILLED"',
      '"reason":"SELF_TRADE_PREVENTION"',
      '"reason":"IOC_UNFILLED"',
      '"reason":"MARKET_UNFILLED"',
      '"reason":"USER_CANCELED"',
      '"code":"DUPLICATE_CLIENT_ORDER_ID"',
      '"code":"POST_ONLY_WOULD_TAKE"',
      '"code":"INSUFFICIENT_LIQUIDITY"',
      '"code":"ORDER_NOT_FOUND"',
      '"code":"VALIDATION_FAILED"',
      '"liquidity":"maker"',
      'trading.book.BTC-USD',
      ' false {"ok":true',
    ]) {
      expect(text).toContain(needle);
    }
  });

  it('gives the recorded bytes, line for line', () => {
    expect(lines.length).toBe(golden.lines);
    expect(lines.slice(0, SAMPLE)).toEqual(golden.firstLines);
    expect(sha256(lines)).toBe(golden.sha256);
  });
});
