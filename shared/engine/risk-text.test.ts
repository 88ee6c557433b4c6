// How reasons write numbers, days, apps and hours.
import { describe, expect, it } from 'vitest';
import type { AppInfo } from './daily';
import { appLabel, bytesLabel, countLabel, dayLabel, hoursLabel, ratioLabel } from './risk-text';

const app = (x: Partial<AppInfo>): AppInfo => ({
  key: 'k',
  appId: 'k',
  name: 'WeTransfer',
  category: 'File transfer',
  score: 4,
  noData: false,
  tags: [],
  sanction: null,
  noise: false,
  ...x,
});

describe('risk text', () => {
  it('writes bytes, counts, ratios and days as analysts read them', () => {
    expect(bytesLabel(1.8 * 1024 ** 3)).toBe('1.8 GB');
    expect(bytesLabel(240 * 1024 ** 2)).toBe('240 MB');
    expect(bytesLabel(900)).toBe('900 B');
    expect(bytesLabel(Number.NaN)).toBe('n/a');
    expect(countLabel(12400.4)).toBe('12,400');
    expect([ratioLabel(7.46), ratioLabel(25.4), ratioLabel(2577.2)]).toEqual(['7.5×', '25×', '2,577×']);
    expect(dayLabel(Date.UTC(2026, 10, 3) / 86_400_000)).toBe('3 Nov');
  });

  it('groups counts exactly as toLocaleString does, whatever the size or sign', () => {
    const values = [
      0,
      -0,
      0.4,
      -0.4,
      1,
      999,
      999.5,
      1000,
      12345,
      999_999,
      1_000_000,
      -1234.6,
      2 ** 53 - 1,
      2 ** 53 + 2,
      1e21,
    ];
    let x = 1;
    for (let i = 0; i < 2000; i++) {
      x = (x * 48271) % 2147483647;
      values.push((x / 2147483647 - 0.3) * 10 ** (i % 16));
    }
    for (const v of values) expect(countLabel(v), String(v)).toBe(Math.round(v).toLocaleString('en-US'));
    expect(countLabel(Number.NaN)).toBe(Number.NaN.toLocaleString('en-US'));
  });

  it('labels apps with score, missing data, sanction, or as unidentified', () => {
    expect(appLabel(app({ sanction: 'Unsanctioned' }))).toBe('WeTransfer (score 4.0, unsanctioned)');
    expect(appLabel(app({ score: 0, noData: true }))).toBe('WeTransfer (score 0.0, no risk data)');
    expect(appLabel(app({ name: 'sync-ab12.net', score: null }))).toBe('sync-ab12.net (unidentified)');
  });

  it('writes hour ranges', () => {
    expect(hoursLabel([1, 2, 3, 17])).toBe('01:00–04:00, 17:00–18:00 UTC');
    expect(hoursLabel([23])).toBe('23:00–00:00 UTC');
  });
});
