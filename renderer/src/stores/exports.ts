/**
 * One-click exports: the engine builds the files (tables, block lists, Defender
 * indicators, the incident report, the evidence bundle); the host saves them —
 * a native save dialog on the desktop, a download in the browser.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { TableRequest } from '../../../shared/engine/views';
import type { ExportKind } from '../../../shared/export/export-set';
import type { ExportColumn } from '../../../shared/export/table-export';
import type { ExportFile } from '../../../shared/export/types';
import { getEngine, plain } from '../services/engine';
import { getHost } from '../services/host';
import { useReportStore } from './report';

export const useExportsStore = defineStore('exports', () => {
  const busy = ref(false);
  const message = ref<string | null>(null);
  const error = ref<string | null>(null);

  async function save(files: ExportFile[]): Promise<void> {
    const host = getHost();
    let saved = 0;
    for (const f of files) if (await host.save(f.name, f.content, f.mime)) saved++;
    message.value =
      saved === files.length
        ? `Saved ${files.map((f) => f.name).join(', ')}`
        : `Saved ${saved} of ${files.length} files`;
  }

  async function run(work: () => Promise<ExportFile[]>): Promise<void> {
    busy.value = true;
    error.value = null;
    message.value = null;
    try {
      await save(await work());
    } catch (e) {
      error.value = `Export failed: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      busy.value = false;
    }
  }

  function exportTable(
    table: TableRequest,
    columns: ExportColumn[],
    format: 'csv' | 'json',
    bom = false,
  ): Promise<void> {
    const report = useReportStore();
    return run(async () => [
      await getEngine().client.call('export.table', {
        ...report.request,
        table: plain({ ...table, offset: 0, limit: 0 }),
        columns: plain(columns),
        format,
        bom,
      }),
    ]);
  }

  function exportSet(kinds: ExportKind[], focusDevices: string[] = []): Promise<void> {
    const report = useReportStore();
    return run(() =>
      getEngine().client.call('export.set', { ...report.request, kinds, focusDevices: [...focusDevices] }),
    );
  }

  function exportAudit(format: 'csv' | 'json'): Promise<void> {
    return run(async () => [await getEngine().client.call('export.audit', { format })]);
  }

  /** The incident report as PDF: printToPDF on the desktop, the print dialog in a browser. */
  async function printReport(focusDevices: string[] = []): Promise<void> {
    const report = useReportStore();
    error.value = null;
    try {
      const [file] = await getEngine().client.call('export.set', {
        ...report.request,
        kinds: ['report'],
        focusDevices,
      });
      await getHost().printReport(file.name.replace(/\.html?$/, '.pdf'), String(file.content));
    } catch (e) {
      error.value = `Print failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  return { busy, message, error, exportTable, exportSet, exportAudit, printReport };
});
