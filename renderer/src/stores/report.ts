/**
 * Which report and time window every screen shows. Defaults after an import:
 * the source just imported, all time — so the numbers match `analyze` on the
 * same files. `version` bumps whenever data, tags or settings change, and views
 * re-query when it does.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ViewRequest } from '../../../shared/engine/state';
import type { ReportInfo, ReportRef, WindowSpec } from '../../../shared/engine/views';
import { getEngine } from '../services/engine';

export const useReportStore = defineStore('report', () => {
  const reports = ref<ReportInfo[]>([]);
  const report = ref<ReportRef>({ id: 'global' });
  const window = ref<WindowSpec>({ preset: 'all' });
  const version = ref(0);

  const current = computed(() => reports.value.find((r) => r.id === report.value.id) ?? reports.value[0] ?? null);
  const hasData = computed(() => reports.value.some((r) => r.transactions > 0));
  // Plain copies: the request crosses postMessage, which refuses Vue proxies.
  const request = computed<ViewRequest>(() =>
    JSON.parse(JSON.stringify({ report: report.value, window: window.value })),
  );

  async function refresh(): Promise<void> {
    reports.value = await getEngine().client.call('reports.list', {});
    // A report that disappeared (source deleted) or has no data falls back to the first report with data.
    const cur = reports.value.find((r) => r.id === report.value.id);
    if (!cur || cur.transactions === 0) {
      const withData = reports.value.find((r) => r.transactions > 0);
      if (withData) report.value = { id: withData.id };
    }
    version.value++;
  }

  function select(ref: ReportRef): void {
    report.value = ref;
    version.value++;
  }
  function setWindow(w: WindowSpec): void {
    window.value = w;
    version.value++;
  }
  /** After an import: show the source just imported, over all time. */
  async function showImported(sourceId: string): Promise<void> {
    window.value = { preset: 'all' };
    reports.value = await getEngine().client.call('reports.list', {});
    const own = reports.value.find((r) => r.kind !== 'global' && r.sourceIds.includes(sourceId));
    report.value = { id: own?.id ?? 'global' };
    await refresh();
  }
  function bump(): void {
    version.value++;
  }

  return {
    reports,
    report,
    window,
    version,
    current,
    hasData,
    request,
    refresh,
    select,
    setWindow,
    showImported,
    bump,
  };
});
