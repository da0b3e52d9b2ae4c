import { loadWebConfig, ConfigError } from './config/web-config.js';
import { BundleError } from './bundle/bundle-browser.js';
import { startWebServer } from './http/web-server.js';

/** `node apps/web/dist/main.js`: serves the live trading page; configuration only from the environment. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadWebConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`web: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  let server;
  try {
    server = await startWebServer(config);
  } catch (err) {
    const code = err instanceof BundleError ? 2 : 1;
    process.stderr.write(`web: cannot start: ${(err as Error).message}\n`);
    process.exit(code);
  }
  // The one line a developer looks for (also in the JSON log).
  process.stdout.write(`trading page: ${server.url}\n`);
  const shutdown = () => void server.stop().then(() => process.exit(0));
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

void main();
