export { startGateway, type GatewayHandle } from './gateway.js';
export { loadGatewayConfig, GATEWAY_ENV_VARS, ConfigError, type GatewayConfig, type EnvVarSpec } from './config/gateway-config.js';
export { UwsFallbackError } from './ws/native-uws.js';
export { BookReplica } from './books/book-replica.js';
export { parseClientOp } from './protocol/client-op-parser.js';
