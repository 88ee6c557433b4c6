import { describe, expect, it } from 'vitest';
import { epochToMs, isoSecond, parseIsoTime, wallClockToUtc } from './time';

describe('time', () => {
  it('parses 7-digit fractional ISO timestamps as UTC', () => {
    expect(parseIsoTime('2023-05-25T04:32:49.4691234Z')).toBe(Date.UTC(2023, 4, 25, 4, 32, 49, 469));
  });
  it('applies explicit offsets', () => {
    expect(parseIsoTime('2023-05-25T06:32:49+02:00')).toBe(Date.UTC(2023, 4, 25, 4, 32, 49));
  });
  it('takes zone-less times in the import time zone, across DST', () => {
    // Berlin: CEST (+2) in July, CET (+1) in January
    expect(wallClockToUtc(2024, 7, 1, 12, 0, 0, 0, 'Europe/Berlin')).toBe(Date.UTC(2024, 6, 1, 10));
    expect(wallClockToUtc(2024, 1, 1, 12, 0, 0, 0, 'Europe/Berlin')).toBe(Date.UTC(2024, 0, 1, 11));
    expect(parseIsoTime('2024-01-01 12:00:00', 'America/New_York')).toBe(Date.UTC(2024, 0, 1, 17));
  });
  it('rejects nonsense', () => {
    expect(parseIsoTime('yesterday')).toBeNaN();
    expect(wallClockToUtc(2024, 13, 1, 0, 0, 0, 0, 'UTC')).toBeNaN();
    expect(parseIsoTime('2023-02-30T00:00:00Z')).toBeNaN();
    expect(parseIsoTime('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
  });
  it('tells epoch units apart', () => {
    const ms = Date.UTC(2023, 0, 2, 3, 4, 5);
    expect(epochToMs(ms / 1000)).toBe(ms);
    expect(epochToMs(ms)).toBe(ms);
    expect(epochToMs(ms * 1000)).toBe(ms);
    expect(epochToMs(ms * 1e6)).toBe(ms);
  });
  it('formats ISO seconds', () => {
    expect(isoSecond(Date.UTC(2026, 9, 1, 2, 53, 2, 999))).toBe('2026-10-01T02:53:02Z');
  });
});
