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
  const report = ref<ReportRef>({ kind: 'global' });
  const window = ref<WindowSpec>({ preset: 'all' });
  const version = ref(0);

  const current = computed(
    () =>
      reports.value.find((r) => r.ref.kind === report.value.kind && r.ref.sourceId === report.value.sourceId) ??
      reports.value[0] ??
      null,
  );
  const hasData = computed(() => reports.value.some((r) => r.transactions > 0));
  // Plain copies: the request crosses postMessage, which refuses Vue proxies.
  const request = computed<ViewRequest>(() =>
    JSON.parse(JSON.stringify({ report: report.value, window: window.value })),
  );

  async function refresh(): Promise<void> {
    reports.value = await getEngine().client.call('reports.list', {});
    // A report whose source was deleted falls back to the first one with data.
    if (
      !current.value ||
      (report.value.kind === 'source' && !reports.value.some((r) => r.ref.sourceId === report.value.sourceId))
    ) {
      report.value = reports.value.find((r) => r.transactions > 0)?.ref ?? { kind: 'global' };
    }
    if (report.value.kind === 'global' && (reports.value[0]?.transactions ?? 0) === 0) {
      const withData = reports.value.find((r) => r.transactions > 0);
      if (withData) report.value = withData.ref;
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
    report.value = { kind: 'source', sourceId };
    window.value = { preset: 'all' };
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
