// Rewrites the engine and gateway configuration tables of README.md from the apps' own
// ENGINE_ENV_VARS / GATEWAY_ENV_VARS (built dist), so the README cannot drift from the code.
// Usage: npm run build && node scripts/docs/env-tables.mjs [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { ENGINE_ENV_VARS } = await import(join(root, 'apps/matching-engine/dist/config/engine-config.js'));
const { GATEWAY_ENV_VARS } = await import(join(root, 'apps/gateway/dist/config/gateway-config.js'));

const row = (v) => {
  const required = /\(required\)/i.test(v.description) && !v.default;
  const def = v.default ? `\`${v.default}\`` : required ? '(required)' : '';
  const allowed = !v.range ? '' : v.range[1] === undefined ? ` Whole number, at least ${v.range[0]}.` : ` Whole number from ${v.range[0]} to ${v.range[1]}.`;
  return `| \`${v.name}\` | ${def} | ${(v.description + allowed).replace(/\|/g, '\\|')} |`;
};
const table = (vars) => ['| variable | default | meaning |', '|---|---|---|', ...vars.map(row)].join('\n');

function replaceTable(text, heading, vars) {
  const start = text.indexOf(heading);
  if (start < 0) throw new Error(`README.md has no "${heading}" section`);
  const tableStart = text.indexOf('| variable |', start);
  let end = tableStart;
  while (end < text.length && text.startsWith('|', end)) end = text.indexOf('\n', end) + 1 || text.length;
  return text.slice(0, tableStart) + table(vars) + '\n' + text.slice(end);
}

const readmePath = join(root, 'README.md');
const before = readFileSync(readmePath, 'utf8');
let after = replaceTable(before, '### Matching engine', ENGINE_ENV_VARS);
after = replaceTable(after, '### Gateway', GATEWAY_ENV_VARS);
if (process.argv.includes('--check')) {
  if (after !== before) {
    console.error('README.md configuration tables are out of date: run node scripts/docs/env-tables.mjs');
    process.exit(1);
  }
} else if (after !== before) {
  writeFileSync(readmePath, after);
  console.log('README.md configuration tables updated');
}
