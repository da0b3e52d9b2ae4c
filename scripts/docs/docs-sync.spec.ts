import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ClientErrorCode, CloseCode, CommandErrorCode, HTTP_STATUS_BY_COMMAND_ERROR } from '@trading/contracts';
import { ENGINE_ENV_VARS } from '../../apps/matching-engine/src/config/engine-config.js';
import { GATEWAY_ENV_VARS } from '../../apps/gateway/src/config/gateway-config.js';
// @ts-expect-error plain ESM module without type declarations
import { DEV_STACK_ENV_VARS } from '../dev-stack/stack-config.mjs';

/**
 * The README and docs/protocol.md are what users read; these checks fail when code gains a
 * variable, an error code or a close code that the docs do not mention.
 */
const root = resolve(import.meta.dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const protocol = readFileSync(join(root, 'docs/protocol.md'), 'utf8');

function tableRow(text: string, name: string): string | undefined {
  return text.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
}

describe('README configuration tables', () => {
  it.each(ENGINE_ENV_VARS.map((v) => [v.name, v] as const))('engine variable %s is documented with its default', (_name, v) => {
    const section = readme.slice(readme.indexOf('### Matching engine'), readme.indexOf('### Gateway'));
    const row = tableRow(section, v.name);
    expect(row).toBeDefined();
    if (v.default) expect(row).toContain(`\`${v.default}\``);
  });

  it.each(GATEWAY_ENV_VARS.map((v) => [v.name, v] as const))('gateway variable %s is documented with its default', (_name, v) => {
    const section = readme.slice(readme.indexOf('### Gateway'), readme.indexOf('### Local stack'));
    const row = tableRow(section, v.name);
    expect(row).toBeDefined();
    if (v.default) expect(row).toContain(`\`${v.default}\``);
  });

  it('documents every dev stack variable', () => {
    const section = readme.slice(readme.indexOf('### Local stack'), readme.indexOf('### CLI'));
    for (const [name] of DEV_STACK_ENV_VARS as [string, string, string][]) expect({ name, row: tableRow(section, name) !== undefined }).toEqual({ name, row: true });
  });

  it('gives the two quick-start commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toMatch(/```sh\nnpm test\n```/);
  });
});

describe('docs/protocol.md', () => {
  it('explains every command refusal code with its HTTP status', () => {
    const section = protocol.slice(protocol.indexOf('## 9. Error codes'), protocol.indexOf('## 10.'));
    for (const code of Object.values(CommandErrorCode)) {
      expect({ code, row: tableRow(section, code) }).toEqual({ code, row: expect.stringContaining(`| ${HTTP_STATUS_BY_COMMAND_ERROR[code]} |`) });
    }
  });

  it('explains every WebSocket error code and close code', () => {
    for (const code of Object.values(ClientErrorCode)) expect({ code, documented: protocol.includes(`| \`${code}\` |`) }).toEqual({ code, documented: true });
    const closeSection = protocol.slice(protocol.indexOf('## 10.'), protocol.indexOf('## 11.'));
    for (const code of Object.values(CloseCode).filter((c) => c !== CloseCode.NORMAL)) {
      expect({ code, documented: closeSection.includes(`| ${code} |`) }).toEqual({ code, documented: true });
    }
  });

  it('names every contract subject and event type', () => {
    for (const text of [
      'trading.order.{userId}.{symbol}',
      'trading.trade.{symbol}',
      'trading.book.{symbol}',
      'trading.cmd.{symbol}',
      'trading.snapshot.{symbol}',
      '"type":"OrderUpdate"',
      '"lastFill":{',
      '"type":"TradeExecuted"',
      '"type":"OrderBookUpdate"',
      '"type":"OrderBookSnapshot"',
      '{"type":"subscribed"',
      '{"type":"unsubscribed"',
      '{"type":"authenticated"',
      '{"type":"pong"',
      '{"type":"error"',
      'POST /api/v1/orders',
      'DELETE /api/v1/orders/{orderId}?symbol=',
    ]) {
      expect({ text, documented: protocol.includes(text) }).toEqual({ text, documented: true });
    }
  });
});
