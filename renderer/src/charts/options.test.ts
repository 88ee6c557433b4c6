// Chart options: count axes tick in whole numbers, byte axes as they fall.
import { describe, expect, it } from 'vitest';
import { barOption, DARK, donutOption, LIGHT, timelineOption } from './options';

describe('chart options', () => {
  it('ticks counts in whole numbers and bytes freely', () => {
    const items = [{ label: 'a', value: 1 }];
    expect(barOption(items, DARK).xAxis.minInterval).toBe(1);
    expect(barOption(items, DARK, 'bytes').xAxis.minInterval).toBe(0);
    const day = { day: Date.UTC(2026, 0, 1), transactions: 1, upload: null, download: null };
    expect(timelineOption([day], DARK, false).yAxis[0].minInterval).toBe(1);
  });

  it("shows a day's bytes in its tooltip as people read them, its transactions as counts", () => {
    const day = { day: Date.UTC(2026, 0, 1), transactions: 12_345, upload: 7_385, download: null };
    const series = timelineOption([day], DARK, true).series as {
      name: string;
      tooltip: { valueFormatter: (v: unknown) => string };
    }[];
    const text = (name: string, v: unknown) => series.find((x) => x.name === name)!.tooltip.valueFormatter(v);
    expect(text('Transactions', 12_345)).toBe('12,345');
    expect(text('Upload', 7_385)).toBe('7.2 KB');
    expect(text('Download', null)).toBe('-');
  });

  it('draws tooltips in the theme: a dark card with light text in the dark theme', () => {
    const day = { day: Date.UTC(2026, 0, 1), transactions: 1, upload: null, download: null };
    const items = [{ label: 'a', value: 1 }];
    for (const t of [LIGHT, DARK])
      for (const o of [barOption(items, t), timelineOption([day], t, false), donutOption(items, t)])
        expect(o.tooltip).toMatchObject({ backgroundColor: t.surface, textStyle: { color: t.text } });
    expect(DARK.surface).not.toBe(LIGHT.surface);
  });
});
