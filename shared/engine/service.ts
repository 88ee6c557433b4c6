/**
 * The engine as a set of request handlers over one case database. The browser
 * worker serves these on its message port; the CLI and tests call them
 * directly (or through a MessageChannel) over fake-indexeddb.
 */
import { registerBuiltinFormats, xlsxToCsv } from '../formats/index';
import { type CloudscopeDb, DB_VERSION, type OpenOptions, openDb } from '../store/db';
import { runImport } from './import';
import { ProgressMeter } from './job';
import { previewFile } from './preview';
import type { EngineMethods } from './protocol';
import { CancelledError, type Handlers } from './rpc';
import { type Hasher, Sha256 } from './sha256';
import { EngineState } from './state';

export interface EngineOptions extends OpenOptions {
  dbName: string;
  /** SHA-256 for provenance: Node injects its native hasher; the browser uses ours. */
  createHasher?: () => Hasher;
  xlsxToCsv?: (bytes: Uint8Array) => Iterable<string>;
  /** Asks the browser to keep the database under storage pressure (navigator.storage.persist). */
  persist?: () => Promise<boolean>;
}

export interface Engine {
  db: CloudscopeDb;
  handlers: Handlers<EngineMethods>;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new CancelledError());
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(new CancelledError());
      },
      { once: true },
    );
  });
}

export async function createEngine(opts: EngineOptions): Promise<Engine> {
  registerBuiltinFormats();
  const db = await openDb(opts.dbName, opts);
  const swept = (db as unknown as { sweptAtOpen?: number }).sweptAtOpen ?? 0;
  const persisted = opts.persist ? await opts.persist().catch(() => null) : null;
  const state = new EngineState(db);
  const handlers: Handlers<EngineMethods> = {
    'engine.status': async () => ({
      dbName: db.name,
      dbVersion: DB_VERSION,
      dataSources: await db.dataSources.count(),
      imports: await db.imports.where('status').equals('committed').count(),
      factBlocks: await db.factBlocks.count(),
      swept,
      persisted,
    }),
    'import.run': async (req, ctx) => {
      const r = await runImport(db, req, {
        signal: ctx.signal,
        onProgress: ctx.progress,
        createHasher: opts.createHasher ?? (() => new Sha256()),
        xlsxToCsv: opts.xlsxToCsv ?? xlsxToCsv,
      });
      state.invalidateData();
      return r;
    },
    'import.preview': (req) => previewFile(req),
    'engine.configure': ({ settings }) => {
      state.configure(settings);
      return null;
    },
    'reports.list': () => state.reports(),
    'query.dashboard': (v) => state.dashboard(v),
    'query.table': (v) => state.table(v, v.table),
    'query.device': (v) => state.device(v, v.key),
    'query.app': (v) => state.app(v, v.key),
    'query.user': (v) => state.user(v, v.key),
    'tags.apply': ({ appIds, add, remove }) => state.applyTags(appIds, add, remove, 'analyst'),
    'tags.applyMatching': (v) => state.tagMatching(v, v.table, v.add, v.remove),
    'export.table': (v) => state.exportTable(v, v.table, v.columns, v.format, v.bom),
    'export.set': (v) => state.exportSet(v, v.kinds, v.focusDevices),
    'sources.list': () => state.sourcesWithImports(),
    'sources.rename': async ({ id, name }) => {
      await state.renameSource(id, name);
      return null;
    },
    'sources.delete': async ({ id }) => {
      await state.deleteSource(id);
      return null;
    },
    'engine.selfTest': async ({ steps, delayMs }, ctx) => {
      const meter = new ProgressMeter(`selftest-${Date.now()}`, 'Self-test', ctx.progress, 0);
      for (let i = 1; i <= steps; i++) {
        await sleep(delayMs, ctx.signal);
        meter.report(i, i, steps, 0, true);
      }
      meter.finish('completed', steps, steps, steps, 0);
      return { steps };
    },
  };
  return { db, handlers };
}
