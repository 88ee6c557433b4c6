/**
 * Investigations (cases): each in its own store. Switching reloads every view
 * from the newly opened case; a case backs up to one file and restores into a
 * new case, never over an existing one.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { CaseRecord } from '../../../shared/store/cases';
import { getEngine } from '../services/engine';
import { getHost, type HostFile } from '../services/host';
import { useEngineStore } from './engine';
import { useReportStore } from './report';

/** A whole (backup) file, read in bounded chunks since hosts cap one read. */
async function readWhole(file: HostFile): Promise<Uint8Array> {
  const out = new Uint8Array(file.size);
  let off = 0;
  while (off < file.size) {
    const chunk = await file.read(off, Math.min(8 * 1024 * 1024, file.size - off));
    if (chunk.byteLength === 0) break;
    out.set(chunk, off);
    off += chunk.byteLength;
  }
  return out.subarray(0, off);
}

export const useCasesStore = defineStore('cases', () => {
  const cases = ref<CaseRecord[]>([]);
  const currentId = ref<string | null>(null);
  const error = ref<string | null>(null);
  const busy = ref(false);
  const current = computed(() => cases.value.find((c) => c.id === currentId.value) ?? null);

  async function refresh(): Promise<void> {
    const r = await getEngine().client.call('cases.list', {});
    cases.value = r.cases;
    currentId.value = r.currentId;
  }

  async function act(work: () => Promise<void>): Promise<void> {
    busy.value = true;
    error.value = null;
    try {
      await work();
      await refresh();
    } catch (e) {
      const hint = (e as { hint?: string }).hint;
      error.value = `${e instanceof Error ? e.message : String(e)}${hint ? ` — ${hint}` : ''}`;
    } finally {
      busy.value = false;
    }
  }

  async function reloadViews(): Promise<void> {
    await useEngineStore().refresh();
    await useReportStore().refresh();
  }

  const create = (name: string) =>
    act(async () => {
      const c = await getEngine().client.call('cases.create', { name });
      await getEngine().client.call('cases.open', { id: c.id });
      await reloadViews();
    });
  const open = (id: string) =>
    act(async () => {
      await getEngine().client.call('cases.open', { id });
      await reloadViews();
    });
  const rename = (id: string, name: string) =>
    act(async () => void (await getEngine().client.call('cases.rename', { id, name })));
  const remove = (id: string) => act(async () => void (await getEngine().client.call('cases.delete', { id })));
  const backup = () =>
    act(async () => {
      const b = await getEngine().client.call('cases.backup', {});
      await getHost().save(b.name, b.bytes, 'application/zip');
    });
  const restore = () =>
    act(async () => {
      const [file] = await getHost().pickFiles();
      if (!file) return;
      const bytes = await readWhole(file);
      const c = await getEngine().client.call('cases.restore', { bytes }, {}, [bytes.buffer as ArrayBuffer]);
      await getEngine().client.call('cases.open', { id: c.id });
      await reloadViews();
    });

  return { cases, currentId, current, error, busy, refresh, create, open, rename, remove, backup, restore };
});
