import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import {
  Equals,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  ValidateBy,
  ValidateIf,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { CLIENT_ORDER_ID_PATTERN, DECIMAL_STRING, ORDER_ID_PATTERN, USER_ID_PATTERN } from './identifiers.js';
import { ORDER_TYPES, SIDES, STP_MODES, TIME_IN_FORCES } from './events.js';
import type { OrderType, SelfTradePrevention, Side, TimeInForce } from './events.js';
import type { CancelCommand, PlaceCommand, TradingCommand } from './commands.js';
import { fastAcceptCommand } from './command-fast-path.js';

const decimalMessage = { message: '$property must be a decimal string such as "1.25" (no sign, exponent or number)' };

export class PlaceCommandDto implements PlaceCommand {
  @Equals('place')
  type!: 'place';

  @IsString()
  @Matches(USER_ID_PATTERN, { message: 'userId must match ^[A-Za-z0-9_-]{1,64}$' })
  userId!: string;

  @IsString()
  @Matches(CLIENT_ORDER_ID_PATTERN, { message: 'clientOrderId must match ^[A-Za-z0-9_.:-]{1,64}$' })
  clientOrderId!: string;

  @IsIn(SIDES, { message: 'side must be "buy" or "sell"' })
  side!: Side;

  @IsIn(ORDER_TYPES, { message: 'orderType must be "limit" or "market"' })
  orderType!: OrderType;

  // A limit order needs a price; a market order must not carry one.
  @ValidateIf((o: PlaceCommandDto) => o.orderType !== 'market' || o.price !== undefined)
  @ValidateBy({
    name: 'priceMatchesOrderType',
    validator: {
      validate: (_value, args) => (args?.object as PlaceCommandDto).orderType !== 'market',
      defaultMessage: () => 'price must be absent for market orders',
    },
  })
  @IsString(decimalMessage)
  @Matches(DECIMAL_STRING, decimalMessage)
  price?: string;

  @IsString(decimalMessage)
  @Matches(DECIMAL_STRING, decimalMessage)
  quantity!: string;

  @IsOptional()
  @IsIn(TIME_IN_FORCES, { message: 'timeInForce must be one of GTC, IOC, FOK' })
  timeInForce?: TimeInForce;

  @IsOptional()
  @IsBoolean({ message: 'postOnly must be a boolean' })
  postOnly?: boolean;

  @IsOptional()
  @IsIn(STP_MODES, { message: 'stp must be one of none, expire_taker, expire_maker, expire_both' })
  stp?: SelfTradePrevention;
}

export class CancelCommandDto implements CancelCommand {
  @Equals('cancel')
  type!: 'cancel';

  @IsString()
  @Matches(USER_ID_PATTERN, { message: 'userId must match ^[A-Za-z0-9_-]{1,64}$' })
  userId!: string;

  @ValidateIf((o: CancelCommandDto) => o.clientOrderId === undefined || o.orderId !== undefined)
  @IsString({ message: 'orderId or clientOrderId is required' })
  @Matches(ORDER_ID_PATTERN, { message: 'orderId must be an order id such as "BTC-USD-42"' })
  orderId?: string;

  @IsOptional()
  @IsString()
  @Matches(CLIENT_ORDER_ID_PATTERN, { message: 'clientOrderId must match ^[A-Za-z0-9_.:-]{1,64}$' })
  clientOrderId?: string;
}

export type FieldErrors = Record<string, string>;
export type ValidationResult<T> = { ok: true; value: T } | { ok: false; details: FieldErrors };

const VALIDATOR_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
} as const;

/** Flattens class-validator's tree into `{ field: message }`, one message per field. */
export function toFieldErrors(errors: ValidationError[], prefix = ''): FieldErrors {
  const out: FieldErrors = {};
  for (const error of errors) {
    const field = prefix + error.property;
    if (error.constraints) {
      const messages = Object.entries(error.constraints).map(([rule, message]) =>
        rule === 'whitelistValidation' ? `${field} is not an allowed field` : message,
      );
      out[field] = messages[0];
    }
    if (error.children?.length) Object.assign(out, toFieldErrors(error.children, `${field}.`));
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates a class-validator DTO from an untrusted plain object, without mutating the input. */
export function validateDto<T extends object>(cls: new () => T, raw: unknown): ValidationResult<T> {
  if (!isPlainObject(raw)) return { ok: false, details: { body: 'must be a JSON object' } };
  const instance = plainToInstance(cls, raw, { enableImplicitConversion: false }) as T;
  const errors = validateSync(instance, VALIDATOR_OPTIONS);
  if (errors.length > 0) return { ok: false, details: toFieldErrors(errors) };
  return { ok: true, value: instance };
}

/**
 * Validates any engine command (place or cancel) by its `type`. The class-validator DTOs are the
 * definition; `fastAcceptCommand` only short-cuts commands they would accept anyway.
 */
export function validateCommand(raw: unknown): ValidationResult<TradingCommand> {
  if (fastAcceptCommand(raw)) return { ok: true, value: raw };
  return validateCommandStrictly(raw);
}

/** class-validator alone, without the fast path: the reference the fast path is tested against. */
export function validateCommandStrictly(raw: unknown): ValidationResult<TradingCommand> {
  if (!isPlainObject(raw)) return { ok: false, details: { body: 'must be a JSON object' } };
  if (raw.type === 'place') return validateDto(PlaceCommandDto, raw);
  if (raw.type === 'cancel') return validateDto(CancelCommandDto, raw);
  return { ok: false, details: { type: 'type must be "place" or "cancel"' } };
}
