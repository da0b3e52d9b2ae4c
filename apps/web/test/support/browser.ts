import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium (playwright's own browser downloads cannot run here); .ci/run installs it. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export class ChromiumMissingError extends Error {
  readonly code = 'CHROMIUM_MISSING';
  constructor() {
    super(`${CHROMIUM} is not installed: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new ChromiumMissingError();
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
