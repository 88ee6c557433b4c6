import { describe, expect, it } from 'vitest';
import { formatTime, formatUtcDay } from './format';

describe('times for people', () => {
  it('writes what Date#toLocaleString writes with the same options, without a formatter a call', () => {
    const times = [
      0,
      1_700_000_000_000,
      Date.UTC(2024, 1, 29, 23, 59, 59),
      Date.UTC(2026, 9, 1, 2, 53, 2),
      4_102_444_800_000,
    ];
    for (const ms of times) {
      expect(formatTime(ms)).toBe(
        new Date(ms).toLocaleString('en-GB', {
          year: 'numeric',
          month: 'short',
          day: '2-digit',
          hour: '2-digit',
          minute: '2-digit',
        }),
      );
      expect(formatUtcDay(ms)).toBe(
        new Date(ms).toLocaleDateString(undefined, {
          day: 'numeric',
          month: 'short',
          year: 'numeric',
          timeZone: 'UTC',
        }),
      );
    }
    expect(formatTime(null)).toBe('—');
    expect(formatTime(Number.NaN)).toBe('—');
  });
});
