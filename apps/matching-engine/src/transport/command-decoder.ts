import { CommandErrorCode, validateCommand, type CommandReply, type TradingCommand } from '@trading/contracts';

export type DecodedCommand = { ok: true; command: TradingCommand } | { ok: false; reply: string };

const MAX_COMMAND_BYTES = 16 * 1024;

function validationFailed(message: string, details: Record<string, string>): string {
  const reply: CommandReply = { ok: false, error: { code: CommandErrorCode.VALIDATION_FAILED, message, details } };
  return JSON.stringify(reply);
}

/**
 * The NATS boundary: raw bytes in, either a command that passed the class-validator DTOs (via
 * validateCommand's fast path) or the VALIDATION_FAILED reply to send. Never throws.
 */
export function decodeCommand(text: string): DecodedCommand {
  if (text.length > MAX_COMMAND_BYTES) {
    return { ok: false, reply: validationFailed('command is too large', { body: `must be at most ${MAX_COMMAND_BYTES} bytes` }) };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, reply: validationFailed('command is not valid JSON', { body: 'must be a JSON object' }) };
  }
  let result;
  try {
    result = validateCommand(raw);
  } catch (err) {
    // validateCommand is meant never to throw; if some input still makes it, refuse, never crash.
    return { ok: false, reply: validationFailed('command could not be validated', { body: String((err as Error)?.message ?? err) }) };
  }
  if (!result.ok) {
    const fields = Object.keys(result.details).join(', ');
    return { ok: false, reply: validationFailed(`invalid command: ${fields}`, result.details) };
  }
  return { ok: true, command: result.value };
}
