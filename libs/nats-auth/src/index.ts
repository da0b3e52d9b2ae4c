export { NatsAuthConfigError } from './nats-auth-error.js';
export { NATS_AUTH_ENV_VARS, readNatsAuth, type NatsAuth, type NatsAuthEnvVar, type NatsTlsFiles } from './nats-auth-env.js';
export { natsIdentityOptions, redactUrls, splitCredentials, type NatsIdentityOptions } from './connect-options.js';
export {
  ENGINE_STREAMS,
  NATS_PERMISSIONS,
  natsAccountsConfig,
  permissionsBlock,
  type NatsIdentityName,
  type NatsUserEntry,
  type SubjectPermissions,
} from './permissions.js';
