import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** Where the page's TypeScript entry lives: apps/web/src/browser/app.ts (same from src/ and dist/). */
export const BROWSER_ENTRY = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'browser', 'app.ts');

export class BundleError extends Error {
  readonly code = 'BUNDLE_FAILED';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BundleError';
  }
}

export interface BrowserBundle {
  /** Path (e.g. `/app.js`) -> file body. */
  files: Map<string, { body: Buffer; contentType: string }>;
  /** Bytes of app.js, for the start-up log. */
  size: number;
}

/**
 * Bundles the page (its code, the SDK from libs/client/dist and lightweight-charts) into one ES
 * module in memory when the server starts: nothing is fetched from a CDN and no build step beyond
 * `npm run build` is needed. Bundling takes well under a second.
 */
export async function bundleBrowser(entry = BROWSER_ENTRY): Promise<BrowserBundle> {
  let result;
  try {
    result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: ['es2022'],
      minify: true,
      sourcemap: 'linked',
      outfile: 'app.js',
      legalComments: 'linked',
      logLevel: 'silent',
    });
  } catch (err) {
    const errors = (err as { errors?: { text: string; location?: { file: string; line: number } }[] }).errors ?? [];
    const detail = errors.map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`).join('; ');
    throw new BundleError(`bundling the page failed (is libs/client built? run npm run build): ${detail || (err as Error).message}`, { cause: err });
  }
  const files = new Map<string, { body: Buffer; contentType: string }>();
  let size = 0;
  for (const file of result.outputFiles) {
    const name = '/' + file.path.split(/[\\/]/).pop();
    const body = Buffer.from(file.contents);
    const contentType = name.endsWith('.js') ? 'text/javascript; charset=utf-8' : name.endsWith('.map') ? 'application/json' : 'text/plain; charset=utf-8';
    files.set(name, { body, contentType });
    if (name === '/app.js') size = body.length;
  }
  return { files, size };
}
