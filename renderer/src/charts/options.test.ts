// Chart options: count axes tick in whole numbers, byte axes as they fall.
import { describe, expect, it } from 'vitest';
import { barOption, DARK, timelineOption } from './options';

describe('chart options', () => {
  it('ticks counts in whole numbers and bytes freely', () => {
    const items = [{ label: 'a', value: 1 }];
    expect(barOption(items, DARK).xAxis.minInterval).toBe(1);
    expect(barOption(items, DARK, 'bytes').xAxis.minInterval).toBe(0);
    const day = { day: Date.UTC(2026, 0, 1), transactions: 1, upload: null, download: null };
    expect(timelineOption([day], DARK, false).yAxis[0].minInterval).toBe(1);
  });
});
