export * from './errors.js';
export * from './io.js';
export * from './cli.js';
export * from './auth/dev-secret.js';
export * from './auth/tokens.js';
export * from './nats/nats-client.js';
export * from './simulator/market-simulator.js';
export * from './simulator/random.js';
