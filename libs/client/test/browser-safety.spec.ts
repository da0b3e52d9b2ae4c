import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The SDK must load in a browser: no Node built-ins, no `ws`, and nothing of @trading/contracts at
 * run time (its index pulls in class-validator); type-only imports are erased by the compiler.
 */
const SRC = fileURLToPath(new URL('../src', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('browser safety of libs/client/src', () => {
  it('imports only relative modules at run time, and @trading/contracts for types only', () => {
    const offenders: string[] = [];
    const files = sources(SRC);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gms)) {
        const [statement, , typeOnly, target] = match;
        if (target.startsWith('./') || target.startsWith('../')) continue;
        if (target === '@trading/contracts' && typeOnly) continue;
        offenders.push(`${file}: ${statement.replace(/\s+/g, ' ').slice(0, 120)}`);
      }
      if (/\b(require\(|process\.|Buffer\.)/.test(text)) offenders.push(`${file}: uses a Node global`);
    }
    expect(offenders).toEqual([]);
  });
});
