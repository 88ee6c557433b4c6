/**
 * Live telemetry: the host's collector spools batches durably; this store pulls
 * each into the same import pipeline as files and acknowledges it only after
 * the import committed — so a closed window or a crash loses nothing (a batch
 * delivered twice is recognised by its SHA-256). With several windows open, the
 * Web Locks API elects the one that imports.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { getEngine } from '../services/engine';
import { getHost, type LiveSession, type LiveStatusSnapshot } from '../services/host';
import { useEngineStore } from './engine';
import { useReportStore } from './report';

const LOCK = 'cloudscope-live-importer';
export const LIVE_SOURCE = 'Live collector';

export const useLiveStore = defineStore('live', () => {
  const state = ref<'off' | 'unavailable' | 'standby' | 'importing' | 'error'>('off');
  const session = ref<LiveSession | null>(null);
  const status = ref<LiveStatusSnapshot | null>(null);
  const imported = ref(0);
  const error = ref<string | null>(null);
  let wake: (() => void) | null = null;
  let started = false;

  async function refreshStatus(): Promise<void> {
    try {
      status.value = await getHost().live.status();
    } catch {
      /* the next poll tries again */
    }
  }

  /** Imports every pending batch, oldest first, acknowledging each after its import committed. */
  async function drain(): Promise<void> {
    const live = getHost().live;
    const pending = await live.pending();
    for (const b of pending) {
      const bytes = await live.read(b.id);
      if (!bytes) continue;
      const stream = new Blob([bytes as BlobPart]).stream();
      const ext = b.contentType.includes('ndjson') ? 'ndjson' : b.contentType.includes('json') ? 'json' : 'log';
      const result = await getEngine().client.call(
        'import.run',
        {
          files: [{ name: `live-${b.id.slice(0, 12)}.${ext}`, size: bytes.byteLength, stream }],
          source: { name: LIVE_SOURCE, kind: 'continuous' },
          // A batch leaves the analyst on the report shown: warming every report it changed would be wasted.
          warm: 'view',
        },
        {},
        [stream as unknown as Transferable],
      );
      await live.ack(b.id);
      imported.value += result.files.reduce((a, f) => a + f.rowsAccepted, 0);
    }
    if (pending.length > 0) {
      await useEngineStore().refresh();
      await useReportStore().refresh();
      void refreshStatus();
    }
  }

  async function importLoop(): Promise<void> {
    state.value = 'importing';
    getHost().live.onBatch(() => wake?.());
    for (;;) {
      try {
        await drain();
        error.value = null;
        state.value = 'importing';
      } catch (e) {
        error.value = e instanceof Error ? e.message : String(e);
        state.value = 'error';
      }
      // Woken by the event stream, or every 10 s in case an event was missed.
      await new Promise<void>((res) => {
        const t = setTimeout(res, 10_000);
        wake = () => {
          clearTimeout(t);
          res();
        };
      });
    }
  }

  async function start(): Promise<void> {
    if (started) return;
    started = true;
    session.value = await getHost().live.session();
    if (!session.value) {
      state.value = 'unavailable';
      return;
    }
    state.value = 'standby';
    void refreshStatus();
    setInterval(() => void refreshStatus(), 5000);
    if (navigator.locks) {
      // Exactly one window imports; the others wait here and take over when it closes.
      void navigator.locks.request(LOCK, () => importLoop());
    } else {
      void importLoop();
    }
  }

  return { state, session, status, imported, error, start };
});
