import { describe, expect, it } from 'vitest';
import { nextTick, ref, watch } from 'vue';
import { useStableOption } from './use-stable-option';

describe('useStableOption', () => {
  it('keeps the option (and so the chart) when a new answer carries the same data, rebuilds it when the data moves', async () => {
    const answer = ref({ rows: [{ label: 'Box', value: 3 }], riskPending: true });
    let builds = 0;
    const option = useStableOption(
      () => answer.value.rows,
      (rows) => {
        builds++;
        return { series: [{ data: rows.map((r) => r.value) }] };
      },
    );
    let redraws = 0;
    watch(option, () => redraws++);
    const first = option.value;
    // The whole answer: another object, the same chart data.
    answer.value = { rows: [{ label: 'Box', value: 3 }], riskPending: false };
    await nextTick();
    expect(option.value).toBe(first);
    expect(redraws).toBe(0);
    expect(builds).toBe(1);
    // Another report: other data, a new option and a redraw.
    answer.value = { rows: [{ label: 'Box', value: 4 }], riskPending: false };
    await nextTick();
    expect(option.value).not.toBe(first);
    expect(option.value.series[0].data).toEqual([4]);
    expect(redraws).toBe(1);
  });
});
