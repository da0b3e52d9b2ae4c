import { ConfigError, loadGatewayConfig } from './config/gateway-config.js';
import { UwsFallbackError } from './ws/native-uws.js';
import { startGateway } from './gateway.js';

/** `npm run start:gateway`: configuration only from the environment; SIGTERM drains and exits 0. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadGatewayConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`gateway: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  let gateway;
  try {
    gateway = await startGateway(config);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof UwsFallbackError) {
      process.stderr.write(`gateway: cannot start: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`gateway: cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const shutdown = (signal: string) => {
    gateway.log.info({ signal }, 'shutdown requested');
    gateway.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        gateway.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // Key rotation: SIGHUP re-reads JWT_JWKS_FILE (it is also watched for changes).
  process.on('SIGHUP', () => gateway.reloadKeys());
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

void main();
