import { describe, expect, it } from '@jest/globals';
import { parseServerVersion, retentionIsCheap } from './server-version.js';

describe('nats-server version check', () => {
  it.each([
    ['2.9.10', { major: 2, minor: 9, patch: 10 }],
    ['v2.10.27', { major: 2, minor: 10, patch: 27 }],
    ['2.11.0-RC.1', { major: 2, minor: 11, patch: 0 }],
  ])('parses %s', (text, expected) => {
    expect(parseServerVersion(text)).toEqual(expected);
  });

  it.each([undefined, '', 'latest', '2.10'])('gives undefined for %p', (text) => {
    expect(parseServerVersion(text)).toBeUndefined();
  });

  it.each([
    ['2.9.10', false],
    ['2.9.25', false],
    ['1.4.1', false],
    ['2.10.0', true],
    ['2.10.27', true],
    ['2.12.1', true],
    ['3.0.0', true],
  ])('%s keeps a full retention window cheap: %p', (text, cheap) => {
    expect(retentionIsCheap(parseServerVersion(text))).toBe(cheap);
  });

  it('does not guess for an unknown version', () => {
    expect(retentionIsCheap(undefined)).toBeUndefined();
  });
});
