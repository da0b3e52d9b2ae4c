/**
 * The JWT secret of the local development stack (`npm start`): the gateways verify tokens with it
 * and `gentoken` signs with it, so a developer can connect without configuring anything.
 * DEV ONLY: it is public in this repository; real deployments set their own JWT_SECRET or
 * JWT_PUBLIC_KEY.
 */
export const DEV_JWT_SECRET = 'dev-only-insecure-jwt-secret-for-the-local-stack';

/** `--secret` wins, then JWT_SECRET from the environment, then the dev stack's secret. */
export function resolveSecret(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  if (flag !== undefined && flag !== '') return flag;
  const fromEnv = env.JWT_SECRET;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return DEV_JWT_SECRET;
}
