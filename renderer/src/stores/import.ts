/**
 * The import flow: files chosen (dialog, drag-and-drop, open-with) → options →
 * a cancellable engine job with progress → the result with per-file counts
 * and rejected rows. The bytes stream straight to the worker.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { PreviewResult } from '../../../shared/engine/preview';
import type { ImportResult } from '../../../shared/engine/protocol';
import { pulledStream } from '../../../shared/engine/pulled-stream';
import { CancelledError } from '../../../shared/engine/rpc';
import type { CustomMapping, SlashDates } from '../../../shared/formats/types';
import type { DataSourceKind, DataSourceRecord } from '../../../shared/store/records';
import { getEngine, plain } from '../services/engine';
import { getHost, type HostFile, hostFileFromBlob } from '../services/host';
import { useEngineStore } from './engine';
import { useJobsStore } from './jobs';
import { useReportStore } from './report';

const CHUNK = 4 * 1024 * 1024;
const PREVIEW_BYTES = 256 * 1024;

/** A pull-based byte stream over a HostFile: bounded memory whatever the file size. */
export function streamOf(file: HostFile): ReadableStream<Uint8Array> {
  return pulledStream((offset, length) => file.read(offset, length), CHUNK);
}

export const useImportStore = defineStore('import', () => {
  const visible = ref(false);
  const files = ref<HostFile[]>([]);
  const sourceName = ref('');
  const kind = ref<DataSourceKind>('continuous');
  /** The data sources and snapshots there are, to add the files to one of them; '' in `target`: a new one. */
  const sources = ref<DataSourceRecord[]>([]);
  const target = ref('');
  const timeZone = ref('UTC');
  /** How dates like 05/10/2026 read: as the files' first rows show, or as the analyst says. */
  const slashDates = ref<SlashDates>('auto');
  const busy = ref(false);
  const result = ref<ImportResult | null>(null);
  const error = ref<string | null>(null);
  const previews = ref<(PreviewResult | null)[]>([]);
  /** A column mapping the analyst set up for a CSV no format recognised. */
  const mapping = ref<CustomMapping | null>(null);
  /** The running import's job (its progress is in the jobs store), null when none runs. */
  const jobId = ref<string | null>(null);
  /** The running import's progress, for the dialog (the jobs panel behind it is inert while the dialog is modal). */
  const progress = computed(() => useJobsStore().jobs.find((j) => j.jobId === jobId.value) ?? null);

  async function preview(): Promise<void> {
    const list = files.value;
    previews.value = list.map(() => null);
    await Promise.all(
      list.map(async (f, i) => {
        try {
          const head = await f.read(0, PREVIEW_BYTES);
          const p = await getEngine().client.call(
            'import.preview',
            {
              name: f.name,
              head,
              whole: head.byteLength >= f.size,
              timeZone: timeZone.value,
              slashDates: slashDates.value,
              ...(mapping.value ? { formatId: 'custom-csv' as const, mapping: plain(mapping.value) } : {}),
            },
            {},
            [head.buffer as ArrayBuffer],
          );
          if (files.value === list) previews.value[i] = p;
        } catch (e) {
          error.value = `${f.name}: ${e instanceof Error ? e.message : String(e)}`;
        }
      }),
    );
  }

  function open(preset: HostFile[] = []): void {
    files.value = preset;
    result.value = null;
    error.value = null;
    mapping.value = null;
    slashDates.value = 'auto';
    visible.value = true;
    void preview();
    void loadSources();
  }

  /** The data sources the files may be added to (a source deleted since is no longer offered). */
  async function loadSources(): Promise<void> {
    if (useEngineStore().state !== 'ready') return;
    try {
      const list = (await getEngine().client.call('sources.list', {})).sources;
      sources.value = [...list].sort((a, b) => a.name.localeCompare(b.name));
      if (target.value && !list.some((s) => s.id === target.value)) target.value = '';
    } catch {
      // The list is a convenience: without it the files go to a source by name, as typed.
      sources.value = [];
    }
  }

  function useMapping(m: CustomMapping | null): void {
    mapping.value = m;
    void preview();
  }
  function openBrowserFiles(list: File[]): void {
    open(list.map(hostFileFromBlob));
  }
  /** The generated sample telemetry shipped beside the app: each file into a data source of its own. */
  async function openSample(): Promise<void> {
    const samples = [
      ['defender-device-network-events.csv', 'Sample — Contoso endpoints'],
      ['squid-access.log', 'Sample — Contoso proxy'],
      ['fortigate-traffic.log', 'Sample — Contoso firewall'],
    ] as const;
    open();
    for (const [file, name] of samples) {
      try {
        const r = await fetch(`./sample/${file}`);
        if (!r.ok) throw new Error(`the sample file ${file} is missing from this build`);
        files.value = [hostFileFromBlob(new File([await r.blob()], file))];
      } catch (e) {
        error.value = `Could not open the sample data: ${e instanceof Error ? e.message : String(e)}`;
        return;
      }
      sourceName.value = name;
      kind.value = 'continuous';
      target.value = '';
      await run();
      if (error.value) return;
    }
    sourceName.value = '';
  }

  function close(): void {
    if (!busy.value) visible.value = false;
  }
  async function choose(): Promise<void> {
    const picked = await getHost().pickFiles();
    if (picked.length > 0) {
      files.value = [...files.value, ...picked];
      result.value = null;
      void preview();
    }
  }
  function remove(i: number): void {
    files.value = files.value.filter((_, j) => j !== i);
    previews.value = previews.value.filter((_, j) => j !== i);
  }

  async function run(): Promise<void> {
    if (files.value.length === 0 || busy.value) return;
    const jobs = useJobsStore();
    const ac = new AbortController();
    const id = `import-${Date.now()}`;
    jobId.value = id;
    const label = files.value.length === 1 ? `Import ${files.value[0].name}` : `Import ${files.value.length} files`;
    busy.value = true;
    error.value = null;
    result.value = null;
    jobs.start(id, label, ac);
    // A browser File goes to the engine worker as it is (it reads the file itself); other files as a stream.
    const sources = files.value.map((f) =>
      f.blob ? { name: f.name, size: f.size, blob: f.blob } : { name: f.name, size: f.size, stream: streamOf(f) },
    );
    try {
      result.value = await getEngine().client.call(
        'import.run',
        {
          files: sources,
          source: chosenSource(),
          timeZone: timeZone.value,
          slashDates: slashDates.value,
          ...(mapping.value ? { formatId: 'custom-csv' as const, mapping: plain(mapping.value) } : {}),
        },
        { signal: ac.signal, onProgress: (p) => jobs.update({ ...p, jobId: id, label }) },
        sources.flatMap((s) => ('stream' in s ? [s.stream as unknown as Transferable] : [])),
      );
      jobs.settle(id, 'completed');
      // The import is committed: the dialog may close while the views refresh.
      busy.value = false;
      await useEngineStore().refresh();
      if (result.value.transactions > 0 || result.value.files.some((f) => f.rowsAccepted > 0)) {
        await useReportStore().showImported(result.value.sourceId);
      }
    } catch (e) {
      if (e instanceof CancelledError) {
        jobs.settle(id, 'cancelled', 'Nothing was imported');
        error.value = 'Import cancelled — the store is exactly as before.';
      } else {
        const msg = e instanceof Error ? e.message : String(e);
        jobs.settle(id, 'failed', msg);
        error.value = msg;
      }
    } finally {
      busy.value = false;
      jobId.value = null;
    }
  }

  /** Where the files go: the data source or snapshot chosen, else a new one named as typed (or by the format). */
  function chosenSource(): { id?: string; name?: string; kind: DataSourceKind } {
    const existing = sources.value.find((s) => s.id === target.value);
    if (existing) return { id: existing.id, kind: existing.kind };
    return { name: sourceName.value.trim() || undefined, kind: kind.value };
  }

  /** Cancels the running import: the store stays exactly as before it. */
  function cancel(): void {
    if (jobId.value) useJobsStore().cancel(jobId.value);
  }

  return {
    visible,
    files,
    sourceName,
    kind,
    sources,
    target,
    timeZone,
    slashDates,
    busy,
    result,
    error,
    progress,
    cancel,
    open,
    openSample,
    openBrowserFiles,
    close,
    choose,
    remove,
    run,
    previews,
    mapping,
    preview,
    useMapping,
  };
});
