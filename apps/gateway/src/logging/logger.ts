import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config/gateway-config.js';

export type { Logger } from 'pino';

/** JSON logs on stdout; one logger per gateway so in-process tests can run several. */
export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { service: 'gateway', pid: process.pid } });
}
