import { describe, expect, it } from '@jest/globals';
import {
  ClientErrorCode,
  CloseCode,
  CommandErrorCode,
  ContractError,
  DecimalError,
  HTTP_STATUS_BY_COMMAND_ERROR,
  InvalidIdentifierError,
  ORDER_STATUSES,
  ORDER_TYPES,
  SIDES,
  STP_MODES,
  SymbolConfigError,
  TIME_IN_FORCES,
} from '../src/index.js';

// The lists below are copied from contract v1; a code renamed or dropped in the library fails here.
describe('error codes match contract v1', () => {
  it('section 4: every command refusal code, and nothing else', () => {
    // TOO_MANY_OPEN_ORDERS is an addition to contract v1 (MAX_OPEN_ORDERS_PER_USER, docs/protocol.md).
    const codes = ['VALIDATION_FAILED', 'UNKNOWN_SYMBOL', 'DUPLICATE_CLIENT_ORDER_ID', 'ORDER_NOT_FOUND', 'POST_ONLY_WOULD_TAKE', 'INSUFFICIENT_LIQUIDITY', 'TOO_MANY_OPEN_ORDERS'];
    expect(Object.values(CommandErrorCode).sort()).toEqual([...codes].sort());
    for (const [key, value] of Object.entries(CommandErrorCode)) expect(key).toBe(value);
  });

  it('section 5: every WebSocket error frame code, and nothing else', () => {
    // RESUME_UNAVAILABLE is an addition to contract v1 (issue 7, docs/protocol.md).
    const codes = ['BAD_REQUEST', 'UNKNOWN_SYMBOL', 'UNAUTHORIZED', 'RATE_LIMITED', 'TOO_MANY_SUBSCRIPTIONS', 'RESUME_UNAVAILABLE'];
    expect(Object.values(ClientErrorCode).sort()).toEqual([...codes].sort());
    for (const [key, value] of Object.entries(ClientErrorCode)) expect(key).toBe(value);
  });

  it('section 5: close codes 1001, 1008, 1009, 4008', () => {
    expect(CloseCode.GOING_AWAY).toBe(1001);
    expect(CloseCode.POLICY_VIOLATION).toBe(1008);
    expect(CloseCode.MESSAGE_TOO_BIG).toBe(1009);
    expect(CloseCode.SLOW_CONSUMER).toBe(4008);
  });

  it('section 5: HTTP status of each command refusal', () => {
    expect(HTTP_STATUS_BY_COMMAND_ERROR).toEqual({
      VALIDATION_FAILED: 400,
      UNKNOWN_SYMBOL: 404,
      ORDER_NOT_FOUND: 404,
      DUPLICATE_CLIENT_ORDER_ID: 409,
      POST_ONLY_WOULD_TAKE: 422,
      INSUFFICIENT_LIQUIDITY: 422,
      TOO_MANY_OPEN_ORDERS: 422,
    });
  });
});

describe('enumerations match contract v1 sections 3 and 4', () => {
  it('lists every allowed value', () => {
    expect([...SIDES]).toEqual(['buy', 'sell']);
    expect([...ORDER_TYPES]).toEqual(['limit', 'market']);
    expect([...TIME_IN_FORCES]).toEqual(['GTC', 'IOC', 'FOK']);
    expect([...STP_MODES]).toEqual(['none', 'expire_taker', 'expire_maker', 'expire_both']);
    expect([...ORDER_STATUSES]).toEqual(['NEW', 'PARTIALLY_FILLED', 'FILLED', 'CANCELED', 'REJECTED', 'EXPIRED']);
  });
});

describe('typed errors', () => {
  it('carry a code, their class name and are ContractErrors', () => {
    const cases: [ContractError, string, string][] = [
      [new InvalidIdentifierError('symbol', 'x.y'), 'INVALID_IDENTIFIER', 'InvalidIdentifierError'],
      [new DecimalError('MALFORMED', 'bad'), 'DECIMAL_MALFORMED', 'DecimalError'],
      [new SymbolConfigError('bad'), 'INVALID_SYMBOL_CONFIG', 'SymbolConfigError'],
    ];
    for (const [error, code, name] of cases) {
      expect(error).toBeInstanceOf(ContractError);
      expect(error).toBeInstanceOf(Error);
      expect(error.code).toBe(code);
      expect(error.name).toBe(name);
    }
  });
});
