import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, normalizeSettings } from './settings';

describe('normalizeSettings', () => {
  it('keeps the thresholds given and fills the others from the defaults', () => {
    const s = normalizeSettings({ thresholds: { highVolumeBytes: 1024, riskyScore: 6 }, signalSeverity: 'High' });
    expect(s.thresholds).toEqual({ ...DEFAULT_SETTINGS.thresholds, highVolumeBytes: 1024, riskyScore: 6 });
    expect(s.signalSeverity).toBe('High');
  });

  it('takes the default for a threshold that is not one (blank, negative, not a number, a score past 10), and drops unknown keys', () => {
    const s = normalizeSettings({
      thresholds: { highVolumeBytes: Number.NaN, highUploadBytes: -1, popularUsers: '3', riskyScore: 11, extra: 5 },
    });
    expect(s.thresholds).toEqual(DEFAULT_SETTINGS.thresholds);
    expect(normalizeSettings({ thresholds: { riskyScore: 0, popularUsers: 0 } }).thresholds).toEqual({
      ...DEFAULT_SETTINGS.thresholds,
      riskyScore: 0,
      popularUsers: 0,
    });
  });
});
