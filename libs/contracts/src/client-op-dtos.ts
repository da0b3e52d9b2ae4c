import { Equals, IsIn, IsString, MaxLength, ValidateIf, ValidateBy } from 'class-validator';
import { CHANNELS, type Channel, type RequestId } from './client-ops.js';
import { isSymbol } from './identifiers.js';

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

  @IsString({ message: 'token must be a string' })
  @MaxLength(8192)
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
