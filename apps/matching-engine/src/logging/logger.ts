import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config/engine-config.js';

export type { Logger } from 'pino';

/** JSON logs on stdout, one object a line, for the cluster's log shipper. */
export function createLogger(level: LogLevel, instanceId: string): Logger {
  return pino({ level, base: { service: 'matching-engine', instance: instanceId } });
}
