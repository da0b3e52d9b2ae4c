import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import {
  Equals,
  IsBoolean,
  IsIn,
  IsString,
  Matches,
  ValidateBy,
  ValidateIf,
  getMetadataStorage,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { CLIENT_ORDER_ID_PATTERN, DECIMAL_STRING, USER_ID_PATTERN, isOrderId } from './identifiers.js';
import { ORDER_TYPES, SIDES, STP_MODES, TIME_IN_FORCES } from './events.js';
import type { OrderType, SelfTradePrevention, Side, TimeInForce } from './events.js';
import type { CancelCommand, PlaceCommand, TradingCommand } from './commands.js';
import { fastAcceptCommand } from './command-fast-path.js';

const decimalMessage = { message: '$property must be a decimal string such as "1.25" (no sign, exponent or number)' };

/**
 * Optional field: absent is fine, but a present value (including `null`) must pass the rules.
 * class-validator's own @IsOptional would let `null` through, and the engine would then see
 * `timeInForce: null` in a command that "passed validation".
 */
function WhenPresent(): PropertyDecorator {
  return ValidateIf((object: object, value: unknown) => value !== undefined);
}

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

  // A limit order needs a price; a market order must not carry one. One rule, so `details.price`
  // always says which of the three things is wrong.
  @ValidateBy({
    name: 'isPriceForOrderType',
    validator: {
      validate: (value, args) => {
        const orderType = (args?.object as PlaceCommandDto).orderType;
        if (orderType === 'market') return value === undefined;
        if (value === undefined) return orderType !== 'limit';
        return typeof value === 'string' && DECIMAL_STRING.test(value);
      },
      defaultMessage: (args) => {
        const orderType = (args?.object as PlaceCommandDto).orderType;
        if (orderType === 'market') return 'price must be absent for market orders';
        if (args?.value === undefined) return 'price is required for limit orders';
        return decimalMessage.message;
      },
    },
  })
  price?: string;

  @IsString(decimalMessage)
  @Matches(DECIMAL_STRING, decimalMessage)
  quantity!: string;

  @WhenPresent()
  @IsIn(TIME_IN_FORCES, { message: 'timeInForce must be one of GTC, IOC, FOK' })
  timeInForce?: TimeInForce;

  @WhenPresent()
  @IsBoolean({ message: 'postOnly must be a boolean' })
  postOnly?: boolean;

  @WhenPresent()
  @IsIn(STP_MODES, { message: 'stp must be one of none, expire_taker, expire_maker, expire_both' })
  stp?: SelfTradePrevention;
}

export class CancelCommandDto implements CancelCommand {
  @Equals('cancel')
  type!: 'cancel';

  @IsString()
  @Matches(USER_ID_PATTERN, { message: 'userId must match ^[A-Za-z0-9_-]{1,64}$' })
  userId!: string;

  // Exactly one of orderId and clientOrderId names the order to cancel (contract section 4: one
  // "instead of" the other); both would be ambiguous when they disagree.
  @ValidateBy({
    name: 'isCancelTarget',
    validator: {
      validate: (value, args) => {
        const hasClientOrderId = (args?.object as CancelCommandDto).clientOrderId !== undefined;
        if (value === undefined) return hasClientOrderId;
        return !hasClientOrderId && isOrderId(value);
      },
      defaultMessage: (args) => {
        if (args?.value === undefined) return 'orderId or clientOrderId is required';
        if ((args?.object as CancelCommandDto).clientOrderId !== undefined) return 'give orderId or clientOrderId, not both';
        return 'orderId must be an order id such as "BTC-USD-42"';
      },
    },
  })
  orderId?: string;

  @WhenPresent()
  @IsString({ message: 'clientOrderId must match ^[A-Za-z0-9_.:-]{1,64}$' })
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

const propertiesByDto = new WeakMap<Function, ReadonlySet<string>>();

/** The property names a DTO declares rules for: the only fields a body may carry. */
export function dtoProperties(cls: Function): ReadonlySet<string> {
  let properties = propertiesByDto.get(cls);
  if (!properties) {
    const metadata = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
    properties = new Set(metadata.map((m) => m.propertyName));
    propertiesByDto.set(cls, properties);
  }
  return properties;
}

/**
 * Validates a class-validator DTO from an untrusted plain object, without mutating the input.
 *
 * Unknown fields are named here rather than by class-validator's `forbidNonWhitelisted`, which
 * misses own keys such as `__proto__`, `constructor` or `hasOwnProperty` (JSON.parse creates them
 * as plain own properties). Only declared fields reach class-transformer, so a deeply nested
 * unknown value cannot exhaust the stack; whatever still throws becomes a refusal, never a crash.
 */
export function validateDto<T extends object>(cls: new () => T, raw: unknown): ValidationResult<T> {
  if (!isPlainObject(raw)) return { ok: false, details: { body: 'must be a JSON object' } };
  const allowed = dtoProperties(cls);
  const details: FieldErrors = {};
  const declared: Record<string, unknown> = {};
  for (const key of Object.keys(raw)) {
    if (allowed.has(key)) declared[key] = raw[key];
    // defineProperty, because `details['__proto__'] = ...` would set the prototype, not a field.
    else Object.defineProperty(details, key, { value: `${key} is not an allowed field`, enumerable: true, writable: true, configurable: true });
  }
  let instance: T;
  try {
    instance = plainToInstance(cls, declared, { enableImplicitConversion: false }) as T;
    Object.assign(details, toFieldErrors(validateSync(instance, VALIDATOR_OPTIONS)));
  } catch {
    // e.g. RangeError from a declared field nested thousands of levels deep.
    return { ok: false, details: { ...details, body: 'could not be validated (nested too deeply?)' } };
  }
  if (Object.keys(details).length > 0) return { ok: false, details };
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
