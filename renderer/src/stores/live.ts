/**
 * Live telemetry in web mode: the server that served this page hosts the
 * loopback collector; the page gets the token from it (never from a URL),
 * learns of new batches over the event stream, pulls each spooled batch into
 * the same import pipeline as files, and acknowledges it only after the import
 * committed — so a closed tab or a crash loses nothing. With several tabs open,
 * the Web Locks API elects the one that imports.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { CancelledError } from '../../../shared/engine/rpc';
import { getEngine } from '../services/engine';
import { useEngineStore } from './engine';
import { useReportStore } from './report';

interface Session {
  token: string;
  batchesUrl: string;
  tokenFile: string;
  syslog: { host: string; port: number } | null;
  folder: { path: string; mode: string } | null;
}

export interface LiveStatus {
  eventsPerSecond: number;
  eventsTotal: number;
  batchesTotal: number;
  lastBatchAt: number | null;
  errors: { count: number; recent: { at: number; source: string; message: string }[] };
  spool: { batches: number; bytes: number };
}

const LOCK = 'cloudscope-live-importer';
export const LIVE_SOURCE = 'Live collector';

export const useLiveStore = defineStore('live', () => {
  const state = ref<'off' | 'unavailable' | 'standby' | 'importing' | 'error'>('off');
  const session = ref<Session | null>(null);
  const status = ref<LiveStatus | null>(null);
  const imported = ref(0);
  const lastImportAt = ref<number | null>(null);
  const error = ref<string | null>(null);
  let wake: (() => void) | null = null;
  let started = false;

  const auth = () => ({ Authorization: `Bearer ${session.value?.token ?? ''}` });

  async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
    const r = await fetch(`/api/collector/${path}`, { ...init, headers: { ...auth(), ...(init.headers ?? {}) } });
    if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
    return (await r.json()) as T;
  }

  async function refreshStatus(): Promise<void> {
    if (!session.value) return;
    try {
      status.value = await api<LiveStatus>('status');
    } catch {
      /* the next poll tries again */
    }
  }

  /** Imports every pending batch, oldest first, acknowledging each after its import committed. */
  async function drain(): Promise<void> {
    const pending = await api<{ batches: { id: string; size: number; contentType: string; kind: string }[] }>(
      'pending',
    );
    for (const b of pending.batches) {
      const r = await fetch(`/api/collector/batches/${b.id}`, { headers: auth() });
      if (!r.ok) continue; // acknowledged meanwhile by another engine
      const bytes = new Uint8Array(await r.arrayBuffer());
      const stream = new Blob([bytes]).stream();
      const ext = b.contentType.includes('ndjson') ? 'ndjson' : b.contentType.includes('json') ? 'json' : 'log';
      const result = await getEngine().client.call(
        'import.run',
        {
          files: [{ name: `live-${b.id.slice(0, 12)}.${ext}`, size: bytes.byteLength, stream }],
          source: { name: LIVE_SOURCE, kind: 'continuous' },
        },
        {},
        [stream as unknown as Transferable],
      );
      await fetch(`/api/collector/batches/${b.id}/ack`, { method: 'POST', headers: auth() });
      imported.value += result.files.reduce((a, f) => a + f.rowsAccepted, 0);
      lastImportAt.value = Date.now();
    }
    if (pending.batches.length > 0) {
      await useEngineStore().refresh();
      await useReportStore().refresh();
    }
  }

  /** Reads the server-sent event stream (fetch, since EventSource cannot send the token) and wakes the importer. */
  async function listen(): Promise<void> {
    for (;;) {
      try {
        const r = await fetch('/api/collector/events', { headers: auth() });
        if (!r.body) throw new Error('no event stream');
        const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          if (value.includes('event: batch')) wake?.();
        }
      } catch {
        /* reconnect below */
      }
      await new Promise((res) => setTimeout(res, 3000));
    }
  }

  async function importLoop(): Promise<void> {
    state.value = 'importing';
    for (;;) {
      try {
        await drain();
        error.value = null;
        state.value = 'importing';
      } catch (e) {
        if (!(e instanceof CancelledError)) {
          error.value = e instanceof Error ? e.message : String(e);
          state.value = 'error';
        }
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
    try {
      const r = await fetch('/api/collector/session');
      if (!r.ok) {
        state.value = 'unavailable';
        return;
      }
      session.value = (await r.json()) as Session;
    } catch {
      state.value = 'unavailable';
      return;
    }
    state.value = 'standby';
    void refreshStatus();
    setInterval(() => void refreshStatus(), 5000);
    void listen();
    if (navigator.locks) {
      // Exactly one tab imports; the others wait here and take over if it closes.
      void navigator.locks.request(LOCK, () => importLoop());
    } else {
      void importLoop();
    }
  }

  return { state, session, status, imported, lastImportAt, error, start };
});
