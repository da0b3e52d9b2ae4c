import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserBundle } from '../bundle/bundle-browser.js';

/** apps/web/public: the HTML shell and the stylesheet (same path from src/ and dist/). */
export const PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'public');

export interface Asset {
  body: Buffer;
  contentType: string;
}

/** Every file the page needs, read once at start: the server never touches the disk per request. */
export function loadAssets(bundle: BrowserBundle, publicDir = PUBLIC_DIR): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const html = readFileSync(join(publicDir, 'index.html'));
  assets.set('/', { body: html, contentType: 'text/html; charset=utf-8' });
  assets.set('/index.html', { body: html, contentType: 'text/html; charset=utf-8' });
  assets.set('/styles.css', { body: readFileSync(join(publicDir, 'styles.css')), contentType: 'text/css; charset=utf-8' });
  for (const [path, file] of bundle.files) assets.set(path, file);
  return assets;
}
