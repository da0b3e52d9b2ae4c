import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ClientErrorCode, CloseCode, CommandErrorCode, HTTP_STATUS_BY_COMMAND_ERROR, ORDER_STATUSES } from '@trading/contracts';
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

describe('docs/protocol.md explains every code the code base can send', () => {
  const section9 = protocol.slice(protocol.indexOf('## 9. Error codes'), protocol.indexOf('## 10.'));

  /** A table row `| \`CODE\` | ... |` whose last cell (the meaning) has words in it. */
  function meaningOf(text: string, code: string): string | undefined {
    const row = tableRow(text, code);
    const cells = row?.split('|').map((c) => c.trim()).filter((c) => c !== '');
    return cells && cells.length >= 2 && /[a-z]{3}/.test(cells[cells.length - 1]) ? cells[cells.length - 1] : undefined;
  }

  it.each(Object.values(CommandErrorCode))('command refusal %s has a meaning in section 9', (code) => {
    expect(meaningOf(section9, code)).toBeDefined();
  });

  it.each(Object.values(ClientErrorCode))('WebSocket error code %s has a meaning in the error-frame table of section 9', (code) => {
    const frames = section9.slice(section9.indexOf('WebSocket error frames'));
    expect(meaningOf(frames, code)).toBeDefined();
  });

  // The gateway's own HTTP error codes, read from its sources: each `new UpgradeRefusal(status, 'CODE'`,
  // `new HttpRefusal(status, 'CODE'` and `(status, errorBody('CODE'` must have a row `| CODE | status |`.
  const gatewaySources = listFiles(join(root, 'apps/gateway/src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
  const sent = new Map<string, Set<number>>();
  for (const file of gatewaySources) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:new (?:UpgradeRefusal|HttpRefusal)\(|\(res, |send\()(\d{3}), (?:errorBody\()?'([A-Z_]+)'/g)) {
      const codes = sent.get(m[2]) ?? new Set<number>();
      codes.add(Number(m[1]));
      sent.set(m[2], codes);
    }
  }

  it('finds the gateway codes it checks (the pattern still matches the sources)', () => {
    expect([...sent.keys()]).toEqual(expect.arrayContaining(['ORIGIN_NOT_ALLOWED', 'NOT_FOUND', 'TOO_MANY_CONNECTIONS', 'SHUTTING_DOWN', 'ENGINE_UNAVAILABLE', 'UNAUTHORIZED', 'INTERNAL']));
  });

  it('documents each gateway HTTP error code with each status it is sent with', () => {
    const missing: string[] = [];
    for (const [code, statuses] of sent) {
      for (const status of statuses) {
        if (!section9.split('\n').some((line) => line.startsWith(`| \`${code}\` | ${status} |`))) missing.push(`${code} ${status}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('documents 413 PAYLOAD_TOO_LARGE, which the body reader raises and the order routes send as 413', () => {
    expect(readFileSync(join(root, 'apps/gateway/src/http/read-body.ts'), 'utf8')).toContain("code = 'PAYLOAD_TOO_LARGE'");
    expect(readFileSync(join(root, 'apps/gateway/src/http/order-routes.ts'), 'utf8')).toMatch(/BodyTooLargeError\) return send\(413/);
    expect(tableRow(section9, 'PAYLOAD_TOO_LARGE')).toContain('| 413 |');
  });

  it('marks the resume error and the gateway-only codes as additions to contract v1', () => {
    expect(tableRow(section9, ClientErrorCode.RESUME_UNAVAILABLE)).toContain('Addition to contract v1');
    expect(section9).toContain('**Addition to contract v1**: codes only the gateway produces');
  });
});

describe('docs/protocol.md lists every order status and reason', () => {
  const section3 = protocol.slice(protocol.indexOf('## 3. Events'), protocol.indexOf('## 4.'));
  // The reasons the engine can write are the named members of OrderReason in the contracts library.
  const eventsSource = readFileSync(join(root, 'libs/contracts/src/events.ts'), 'utf8');
  const reasonUnion = eventsSource.slice(eventsSource.indexOf('export type OrderReason'), eventsSource.indexOf(';', eventsSource.indexOf('export type OrderReason')));
  const reasons = [...reasonUnion.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]);

  it('reads the reasons from the contracts library', () => {
    expect(reasons).toEqual(expect.arrayContaining(['USER_CANCELED', 'SELF_TRADE_PREVENTION', 'IOC_UNFILLED', 'MARKET_UNFILLED']));
  });

  it.each(reasons)('reason %s has a row in section 3', (reason) => {
    expect(tableRow(section3, reason)).toBeDefined();
  });

  it.each([...ORDER_STATUSES])('status %s has a row in section 3', (status) => {
    expect(tableRow(section3, status)).toBeDefined();
  });
});

describe('links between the docs', () => {
  const docs = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md'));
  const markdownFiles = ['README.md', ...docs.map((f) => `docs/${f}`)];

  it('README links every document in docs/', () => {
    for (const doc of docs) expect({ doc, linked: readme.includes(`](docs/${doc})`) || readme.includes(`](docs/${doc}#`) }).toEqual({ doc, linked: true });
  });

  it.each(markdownFiles)('every relative link in %s points at an existing file and heading', (file) => {
    const broken: string[] = [];
    const text = withoutCodeBlocks(readFileSync(join(root, file), 'utf8'));
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const link = m[1];
      if (/^[a-z]+:/.test(link)) continue;
      const [path, anchor] = link.split('#');
      const target = path ? resolve(dirname(join(root, file)), path) : join(root, file);
      if (!existsSync(target)) {
        broken.push(`${link}: no file ${relative(root, target)}`);
        continue;
      }
      if (anchor && target.endsWith('.md') && !headingSlugs(readFileSync(target, 'utf8')).has(anchor)) broken.push(`${link}: no heading #${anchor}`);
    }
    expect(broken).toEqual([]);
  });
});

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)]));
}

function withoutCodeBlocks(text: string): string {
  return text.replace(/```[\s\S]*?```/g, '');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function headingSlugs(text: string): Set<string> {
  const slugs = new Set<string>();
  for (const m of withoutCodeBlocks(text).matchAll(/^#{1,6} (.+)$/gm)) {
    slugs.add(m[1].trim().toLowerCase().replace(/[^\p{L}\p{N}_\- ]/gu, '').replace(/ /g, '-'));
  }
  return slugs;
}
