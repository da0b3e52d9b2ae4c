import { IsInt, Min, ValidateIf } from 'class-validator';
import { validateDto, type ValidationResult } from './command-dtos.js';
import type { SnapshotRequest } from './events.js';

/** Body of a request on `trading.snapshot.{symbol}`: `{}` or `{"depth":N}` (contract section 3). */
export class SnapshotRequestDto implements SnapshotRequest {
  // Absent means the whole book; null or 0 is a mistake, not "everything".
  @ValidateIf((_object: object, value: unknown) => value !== undefined)
  @Min(1, { message: 'depth must be a whole number of at least 1' })
  @IsInt({ message: 'depth must be a whole number of at least 1' })
  depth?: number;
}

export function validateSnapshotRequest(raw: unknown): ValidationResult<SnapshotRequest> {
  return validateDto(SnapshotRequestDto, raw);
}
