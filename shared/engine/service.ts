/**
 * The engine as a set of request handlers over one case database at a time.
 * The browser worker serves these on its message port; the CLI and tests call
 * them directly (or through a MessageChannel) over fake-indexeddb. Opening
 * another case swaps the database and the state under the same handlers.
 */
import type { Settings } from '../domain/settings';
import type { ScanChannel } from '../formats/defender-parts';
import { registerBuiltinFormats } from '../formats/index';
import { xlsxToCsvChunks } from '../formats/xlsx-csv';
import { backupCase, backupFileName, readBackup, writeBackup } from '../store/backup';
import {
  type CaseRecord,
  type CaseRegistry,
  caseDbName,
  cleanCaseName,
  DEFAULT_CASE_NAME,
  MAX_CASE_NAME,
  newCaseId,
  openCaseRegistry,
} from '../store/cases';
import { type CloudscopeDb, DB_VERSION, type OpenOptions, openDb } from '../store/db';
import { runImport } from './import';
import { ProgressMeter } from './job';
import { previewFile } from './preview';
import type { EngineMethods } from './protocol';
import { CancelledError, type Handlers, RpcError } from './rpc';
import { type AsyncHasher, type Hasher, Sha256 } from './sha256';
import { EngineState } from './state';

export interface EngineOptions extends OpenOptions {
  /**
   * Open this database directly (tests; `cloudscope` is the default case). Without it the engine opens
   * `caseId`, else the case opened last, from the case registry.
   */
  dbName?: string;
  caseId?: string;
  /** The case registry's database name (tests use their own). */
  casesDbName?: string;
  /** Recorded in case backups. */
  appVersion?: string;
  /**
   * The build, as a stamp on the dashboards the engine keeps in the store for the next session (EngineState's
   * `views`); without it none are kept (the command line's store lasts one run).
   */
  viewsStamp?: string;
  /** SHA-256 for provenance: Node injects its native hasher; the browser uses ours. */
  createHasher?: () => Hasher;
  /** SHA-256 of import files only, which may hash elsewhere (the browser's hash worker); else `createHasher`. */
  createImportHasher?: () => AsyncHasher;
  xlsxToCsv?: (bytes: Uint8Array) => Iterable<string>;
  /** Scan workers for large Defender CSV files (see ImportOptions.scanWorkers). */
  scanWorkers?: () => ScanChannel[];
  /** Asks the browser to keep the database under storage pressure (navigator.storage.persist). */
  persist?: () => Promise<boolean>;
}

export interface Engine {
  /** The open case's database (changes when another case is opened). */
  readonly db: CloudscopeDb;
  handlers: Handlers<EngineMethods>;
  /** Closes the open case and the case registry. */
  close(): void;
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

/** The case to open at start: the one asked for, else the one opened last; a first case if none is left. */
async function startCase(cases: CaseRegistry, opts: EngineOptions): Promise<CaseRecord | null> {
  if (opts.dbName !== undefined) {
    const match = (await cases.listCases()).find((c) => caseDbName(c.id) === opts.dbName) ?? null;
    if (match) await cases.openCase(match.id);
    return match;
  }
  const c =
    (opts.caseId ? await cases.getCase(opts.caseId) : null) ??
    (await cases.lastOpened()) ??
    (await cases.createCase(DEFAULT_CASE_NAME));
  await cases.openCase(c.id);
  return cases.getCase(c.id);
}

const sweptOf = (db: CloudscopeDb) => (db as unknown as { sweptAtOpen?: number }).sweptAtOpen ?? 0;

export async function createEngine(opts: EngineOptions): Promise<Engine> {
  registerBuiltinFormats();
  const cases = await openCaseRegistry({ ...opts, name: opts.casesDbName });
  // The handlers below read `db`, `state` and `current` when called, so opening another case swaps all three.
  let current = await startCase(cases, opts);
  let db = await openDb(opts.dbName ?? caseDbName(current!.id), opts);
  let swept = sweptOf(db);
  // Asked for, not waited on: the answer is only shown with the store's status.
  const persisted = opts.persist ? opts.persist().catch(() => null) : Promise.resolve(null);
  let state = new EngineState(db, { stamp: opts.viewsStamp });
  state.preload();
  /** Settings given so far, carried over to the next case's state. */
  let settings: Partial<Settings> = {};
  /** Imports and backups running on the open case: it is not closed under them. */
  let busy = 0;
  const createHasher = opts.createHasher ?? (() => new Sha256());
  const whenIdle = () => {
    if (busy === 0) return;
    throw new RpcError(
      'The open case is busy (an import or a backup is running)',
      'Wait for it to finish, then try again.',
    );
  };
  const openCase = async (id: string): Promise<CaseRecord> => {
    whenIdle();
    if (current?.id === id) return current;
    const next = await openDb(await cases.openCase(id), opts);
    db.close();
    db = next;
    swept = sweptOf(next);
    state = new EngineState(next, { stamp: opts.viewsStamp });
    state.preload();
    state.configure(settings);
    current = await cases.getCase(id);
    return current!;
  };
  /** A restored case keeps its name unless a case already has it. */
  const restoredName = async (backedUp: string): Promise<string> => {
    const name =
      backedUp
        .trim()
        .slice(0, MAX_CASE_NAME - 11)
        .trim() || 'Restored case';
    const taken = new Set((await cases.listCases()).map((c) => c.name));
    return taken.has(name) ? `${name} (restored)` : name;
  };
  const handlers: Handlers<EngineMethods> = {
    'engine.status': async () => ({
      dbName: db.name,
      dbVersion: DB_VERSION,
      dataSources: await db.dataSources.count(),
      imports: await db.imports.where('status').equals('committed').count(),
      factBlocks: await db.factBlocks.count(),
      swept,
      persisted: await persisted,
    }),
    'import.run': async (req, ctx) => {
      busy++;
      try {
        const r = await runImport(db, req, {
          signal: ctx.signal,
          onProgress: ctx.progress,
          createHasher: opts.createImportHasher ?? createHasher,
          xlsxToCsv: opts.xlsxToCsv ?? xlsxToCsvChunks,
          scanWorkers: opts.scanWorkers,
        });
        // Only the reports over the imported source changed; the others stay cached, as do the facts read (an
        // import only adds its own).
        state.invalidateData([r.sourceId], { factsKept: true });
        // The UI shows the imported source's report next (when anything was imported): have it ready, then the
        // others the import changed. A live batch leaves the UI where it is: only the view it shows is warmed.
        if (r.transactions > 0 || r.files.some((f) => f.rowsAccepted > 0)) {
          if (req.warm === 'view') state.prewarm(undefined, true);
          else state.prewarm(r.sourceId);
        }
        return r;
      } finally {
        busy--;
      }
    },
    'import.preview': (req) => previewFile(req),
    'engine.configure': (p) => {
      settings = { ...settings, ...p.settings };
      state.configure(p.settings);
      state.prewarm();
      return null;
    },
    'reports.list': () => state.reports(),
    'query.dashboard': (v) => state.dashboard(v),
    'query.dashboardFirst': (v) => state.dashboardFirst(v),
    'query.table': (v) => state.table(v, v.table),
    'query.device': (v) => state.device(v, v.key),
    'query.entity': (v) => state.entity(v, v.kind, v.key),
    'query.app': (v) => state.app(v, v.key, v.lists ?? true),
    'query.appHistory': (v) => state.appHistory(v, v.key, v.of),
    'query.user': (v) => state.user(v, v.key),
    'query.ip': (v) => state.ip(v, v.key),
    'tags.apply': async ({ appIds, add, remove }) => {
      const tags = await state.applyTags(appIds, add, remove, 'analyst');
      state.prewarm();
      return tags;
    },
    'tags.applyMatching': async (v) => {
      const n = await state.tagMatching(v, v.table, v.add, v.remove);
      state.prewarm();
      return n;
    },
    'export.table': (v) => state.exportTable(v, v.table, v.columns, v.format, v.bom),
    'export.set': (v) => state.exportSet(v, v.kinds, v.focusDevices),
    'apps.addCustom': ({ app }) => state.addCustomApp(app),
    'export.audit': ({ format }) => state.exportAudit(format),
    'privacy.reveal': ({ pseudonym }) => state.reveal(pseudonym),
    'catalog.import': ({ file }) => state.importCatalog(file),
    'queries.list': () => state.savedQueries(),
    'queries.save': ({ name, filter }) => state.saveQuery(name, filter),
    'apps.override': async ({ appId, override }) => {
      await state.setOverride(appId, override);
      state.prewarm();
      return null;
    },
    'sources.list': () => state.sourcesWithImports(),
    'data.deleteAll': async () => {
      await state.deleteAllData();
      return null;
    },
    'data.retention': ({ days }) => state.applyRetention(days),
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
    'cases.list': async () => ({ cases: await cases.listCases(), currentId: current?.id ?? null }),
    'cases.current': () => current,
    'cases.create': ({ name }) => cases.createCase(name),
    'cases.rename': async ({ id, name }) => {
      const renamed = await cases.renameCase(id, name);
      if (current?.id === id) current = renamed;
      return renamed;
    },
    'cases.delete': async ({ id }) => {
      if (current?.id === id) throw new RpcError('This case is open', 'Open another case before deleting this one.');
      await cases.deleteCase(id);
      return null;
    },
    'cases.open': ({ id }) => openCase(id),
    'cases.backup': async () => {
      const caseName = current?.name ?? db.name;
      const now = Date.now();
      busy++;
      try {
        const bytes = await backupCase(db, { caseName, appVersion: opts.appVersion ?? null, now, createHasher });
        return { name: backupFileName(caseName, now), bytes };
      } finally {
        busy--;
      }
    },
    'cases.restore': async ({ bytes, name }) => {
      // Everything is checked before a database exists for the new case.
      const backup = readBackup(bytes, { createHasher });
      const caseName = cleanCaseName(name ?? (await restoredName(backup.manifest.caseName)));
      const id = newCaseId();
      const target = await openDb(caseDbName(id), opts);
      try {
        await writeBackup(backup, target);
        target.close();
        return await cases.createCase(caseName, id);
      } catch (e) {
        await target.delete().catch(() => undefined);
        throw e;
      }
    },
  };
  return {
    get db() {
      return db;
    },
    handlers,
    close() {
      db.close();
      cases.close();
    },
  };
}
