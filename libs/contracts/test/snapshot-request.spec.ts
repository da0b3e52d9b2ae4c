import { describe, expect, it } from '@jest/globals';
import { validateSnapshotRequest } from '../src/index.js';

describe('validateSnapshotRequest ({} or {"depth":N})', () => {
  it.each([{}, { depth: 1 }, { depth: 50 }])('accepts %p', (raw) => {
    const result = validateSnapshotRequest(raw);
    expect(result.ok).toBe(true);
    expect(result.ok && { ...result.value }).toEqual(raw);
  });

  it.each([{ depth: 0 }, { depth: -1 }, { depth: 1.5 }, { depth: '10' }, { depth: null }, { depth: Number.NaN }])('refuses %p naming depth', (raw) => {
    const result = validateSnapshotRequest(raw);
    expect(result).toEqual({ ok: false, details: { depth: 'depth must be a whole number of at least 1' } });
  });

  it('refuses unknown fields and non-objects', () => {
    expect(validateSnapshotRequest({ levels: 5 })).toEqual({ ok: false, details: { levels: 'levels is not an allowed field' } });
    expect(validateSnapshotRequest(null)).toEqual({ ok: false, details: { body: 'must be a JSON object' } });
    expect(validateSnapshotRequest([])).toEqual({ ok: false, details: { body: 'must be a JSON object' } });
  });
});
