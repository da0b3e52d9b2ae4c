import type { CliIo } from '../io.js';
import { ExitCode } from '../errors.js';
import { integerOption, parseOptions, stringOption } from '../args/parse-options.js';
import { UsageError } from '../errors.js';
import { resolveSecret } from '../auth/dev-secret.js';
import { checkToken, mintToken } from '../auth/tokens.js';

const ONE_YEAR_SECONDS = 366 * 24 * 3600;

/** `gentoken <userId> [--ttl 3600] [--secret S]`: prints an HS256 JWT on stdout, a note on stderr. */
export async function gentoken(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(args, { ttl: { type: 'string' }, secret: { type: 'string' } }, 1);
  const userId = positionals[0];
  if (userId === undefined) throw new UsageError('gentoken needs a user id: gentoken <userId> [--ttl 3600] [--secret S]');
  const ttlSeconds = integerOption(values, 'ttl', 3600, 1, ONE_YEAR_SECONDS);
  const token = await mintToken({ userId, secret: resolveSecret(stringOption(values, 'secret'), io.env), ttlSeconds });
  io.err(`HMAC SHA-256 JWT for user "${userId}", valid for ${ttlSeconds} s:`);
  io.out(token);
  return ExitCode.OK;
}

/** `checktoken <jwt> [--secret S]`: prints the user and claims of a valid token; exit 1 if invalid. */
export async function checktoken(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(args, { secret: { type: 'string' } }, 1);
  const token = positionals[0];
  if (token === undefined) throw new UsageError('checktoken needs a token: checktoken <jwt> [--secret S]');
  const checked = await checkToken(token, resolveSecret(stringOption(values, 'secret'), io.env));
  const exp = typeof checked.payload.exp === 'number' ? new Date(checked.payload.exp * 1000).toISOString() : 'never';
  io.err(`valid token for user "${checked.userId}", expires ${exp}`);
  io.out(JSON.stringify(checked.payload));
  return ExitCode.OK;
}
