import { Equals, IsIn, IsString, MaxLength, ValidateIf, ValidateBy } from 'class-validator';
import { CHANNELS, type Channel, type ClientOp, type RequestId } from './client-ops.js';
import { isSymbol } from './identifiers.js';
import { validateDto, type ValidationResult } from './command-dtos.js';

const isRequestId = (value: unknown) =>
  value === undefined ||
  (typeof value === 'string' && value.length <= 64) ||
  (typeof value === 'number' && Number.isSafeInteger(value));

function IsRequestId() {
  return ValidateBy({
    name: 'isRequestId',
    validator: { validate: isRequestId, defaultMessage: () => 'id must be an integer or a string of at most 64 characters' },
  });
}

function IsChannelSymbol() {
  return ValidateBy({
    name: 'isChannelSymbol',
    validator: {
      validate: (value, args) => {
        if (value === '*') return (args?.object as SubscriptionOpDto).channel !== 'book';
        return isSymbol(value);
      },
      defaultMessage: (args) =>
        args?.value === '*' ? 'symbol "*" is not allowed for the book channel' : 'symbol must be like "BTC-USD" or "*"',
    },
  });
}

/** Shared shape of subscribe and unsubscribe. */
export class SubscriptionOpDto {
  @IsIn(['subscribe', 'unsubscribe'])
  op!: 'subscribe' | 'unsubscribe';

  @IsIn(CHANNELS, { message: 'channel must be one of trades, book, orders' })
  channel!: Channel;

  @IsString({ message: 'symbol must be like "BTC-USD" or "*"' })
  @IsChannelSymbol()
  symbol!: string;

  @IsRequestId()
  id?: RequestId;
}

export class AuthOpDto {
  @Equals('auth')
  op!: 'auth';

  // Decorators nearest the property report first: the type message before the length one.
  @MaxLength(8192, { message: 'token must be at most 8192 characters' })
  @IsString({ message: 'token must be a string' })
  token!: string;

  @IsRequestId()
  id?: RequestId;
}

export class PingOpDto {
  @Equals('ping')
  op!: 'ping';

  @ValidateIf((o: PingOpDto) => o.id !== undefined)
  @IsRequestId()
  id?: RequestId;
}

export const CLIENT_OPS = ['subscribe', 'unsubscribe', 'auth', 'ping'] as const;

/**
 * Validates one parsed client frame of `GET /ws` by its `op`. A refusal's `details` name each bad
 * field; the gateway answers it with a BAD_REQUEST error frame (and echoes `id` when it is valid).
 */
export function validateClientOp(raw: unknown): ValidationResult<ClientOp> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, details: { body: 'must be a JSON object' } };
  switch ((raw as { op?: unknown }).op) {
    case 'subscribe':
    case 'unsubscribe':
      return validateDto(SubscriptionOpDto, raw);
    case 'auth':
      return validateDto(AuthOpDto, raw);
    case 'ping':
      return validateDto(PingOpDto, raw);
    default:
      return { ok: false, details: { op: `op must be one of ${CLIENT_OPS.join(', ')}` } };
  }
}
