/**
 * The engine's working state over one case database: the in-memory working
 * set, the catalog with custom apps, tags, score overrides and settings, with
 * computed tables cached per (report, window) and dropped whenever an import
 * commits, a tag changes or the settings change.
 */
import { BUILTIN_CATALOG } from '../catalog/builtin';
import { customAppId, loadCatalog, validateCustomApp } from '../catalog/loader';
import { createMatcher, type Matcher } from '../catalog/matcher';
import { type AppFilter, matchesFilter, parseSavedQuery, type SavedQuery } from '../catalog/queries';
import { validateCatalog } from '../catalog/schema';
import { createScorer, type ScoreOverride, type Scorer } from '../catalog/score';
import { applyTagChange, type TagState } from '../catalog/tags';
import type { CatalogFile, CustomApp } from '../catalog/types';
import { DEFAULT_SETTINGS, normalizeSettings, type Settings } from '../domain/settings';
import { auditCsv, auditJson } from '../export/audit-log';
import { buildExports, type ExportKind } from '../export/export-set';
import type { SignalRow } from '../export/reports';
import { type ExportColumn, tableCsv, tableJson } from '../export/table-export';
import { DEFAULT_GENERATOR, type ExportFile } from '../export/types';
import type { CloudscopeDb } from '../store/db';
import type { DataSourceRecord, ImportRecord } from '../store/records';
import { anonymizeHistory, anonymizeTables, type PseudonymKind, Pseudonyms } from './anonymize';
import { type AppRow, computeTables, type Tables } from './query';
import { applyRisk, type RiskRun, riskSteps } from './risk-report';
import {
  type AppPage,
  type Dashboard,
  type DayPoint,
  type DevicePage,
  dashboard,
  factRows,
  type HistoryRow,
  historyOf,
  listReports,
  queryTable,
  type ReportInfo,
  type ReportRef,
  resolveWindow,
  type TablePage,
  type TableRequest,
  timeline,
  type UserPage,
  type WindowSpec,
} from './views';
import { WorkingSet } from './working-set';

const IMPORTED_CATALOG = 'catalog.imported';
const SAVED_QUERIES = 'queries.saved';

export interface ViewRequest {
  report: ReportRef;
  window: WindowSpec;
}

interface Computed {
  tables: Tables;
  signals: SignalRow[];
  /** The dashboard's daily series. */
  series: DayPoint[];
}

/** A warm-up whose data changed before anyone asked for its view: stopped, never shown. */
class StaleWarmUp extends Error {}

/** Lets other messages in between the stages of a long computation. */
const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export class EngineState {
  private ws: WorkingSet | null = null;
  /** The load in progress (or done), shared by every caller until the data changes. */
  private loading: Promise<WorkingSet> | null = null;
  private sources: DataSourceRecord[] = [];
  private imports: ImportRecord[] = [];
  private matcher: Matcher | null = null;
  private scorer: Scorer | null = null;
  private tags: TagState = {};
  private overrides: Record<string, ScoreOverride> = {};
  private settings: Settings = structuredClone(DEFAULT_SETTINGS);
  private readonly pseudonyms = new Pseudonyms();
  /** Per (report, window): the computation, in progress or done, so concurrent callers share it. */
  private readonly cache = new Map<string, Promise<Computed>>();
  /** Warm-ups someone asked for since (a view joined them): they finish even if the data changes. */
  private readonly joined = new WeakSet<Promise<Computed>>();
  /** Bumped whenever data, tags or settings change: a warm-up nobody joined stops at its next stage. */
  private generation = 0;
  /** The view last asked for, warmed again after a tag or setting change. */
  private lastView: ViewRequest | null = null;

  constructor(private readonly db: CloudscopeDb) {}

  /** Drops everything derived from the store; the next query reloads. */
  invalidateData(): void {
    this.ws = null;
    this.loading = null;
    this.dropCache();
  }

  private dropCache(): void {
    this.cache.clear();
    this.generation++;
  }

  configure(settings: Partial<Settings>): void {
    this.settings = normalizeSettings({ ...this.settings, ...settings });
    this.scorer = null;
    this.dropCache();
  }

  /**
   * Computes, in the background, what the UI will ask for next, so its first view is served from the
   * cache: after an import, the report of the source just imported over all time (what the UI
   * switches to); without a source, the view last asked for (after a tag or setting change). The
   * work yields between its stages, so other requests are not held up for long; a request for the
   * same view joins it instead of starting over. Failures surface when the view itself is asked for.
   */
  prewarm(sourceId?: string): void {
    const run = async () => {
      let view = this.lastView;
      if (sourceId !== undefined) {
        await this.load();
        const reports = listReports(this.sources, this.imports, {
          endpointIntegration: this.settings.endpointIntegration,
        });
        const own = reports.find((r) => r.kind !== 'global' && r.sourceIds.includes(sourceId));
        view = { report: { id: own?.id ?? reports[0].id }, window: { preset: 'all' } };
      }
      if (view) await this.computed(view, true);
    };
    run().catch(() => {});
  }

  private load(): Promise<WorkingSet> {
    if (this.ws) return Promise.resolve(this.ws);
    if (!this.loading) {
      const p = this.loadNow(() => this.loading === p);
      this.loading = p;
      p.catch(() => {
        if (this.loading === p) this.loading = null;
      });
    }
    return this.loading;
  }

  /** Reads the store; `current` says whether the data is still the same when it is done. */
  private async loadNow(current: () => boolean): Promise<WorkingSet> {
    const sources = await this.db.dataSources.toArray();
    const imports = await this.db.imports.where('status').equals('committed').toArray();
    const ws = await WorkingSet.load(
      this.db,
      imports.map((i) => i.id),
    );
    const custom = (await this.db.customApps.toArray()).map((c) => c.app as CustomApp);
    // A newer catalog the analyst imported replaces built-in apps by id; custom apps, tags and overrides
    // are keyed by id and stay attached.
    const imported = ((await this.db.kv.get(IMPORTED_CATALOG))?.value ?? null) as CatalogFile | null;
    const matcher = createMatcher(loadCatalog(imported ? [...BUILTIN_CATALOG, imported] : BUILTIN_CATALOG, custom));
    const tags = Object.fromEntries((await this.db.tags.toArray()).map((t) => [t.appId, t.tags]));
    const overrides = Object.fromEntries(
      (await this.db.overrides.toArray()).map((o) => [o.appId, { score: o.score, note: o.note }]),
    );
    // The data changed while this load read the store: its callers get the load that reads the new data.
    if (!current()) return this.load();
    this.sources = sources;
    this.imports = imports;
    this.matcher = matcher;
    this.tags = tags;
    this.overrides = overrides;
    this.ws = ws;
    return ws;
  }

  private scorerOf(): Scorer {
    if (!this.scorer) this.scorer = createScorer(this.matcher!.catalog.date, this.settings);
    return this.scorer;
  }

  async reports(): Promise<ReportInfo[]> {
    await this.load();
    return listReports(this.sources, this.imports, { endpointIntegration: this.settings.endpointIntegration });
  }

  private async context(v: ViewRequest) {
    const ws = await this.load();
    const reports = listReports(this.sources, this.imports, { endpointIntegration: this.settings.endpointIntegration });
    const info = reports.find((r) => r.id === v.report.id) ?? reports[0];
    const win = resolveWindow(v.window, info.lastEvent);
    const sources = new Set(info.sourceIds);
    return { ws, info, win, sources };
  }

  async tables(v: ViewRequest): Promise<Tables> {
    return (await this.computed(v)).tables;
  }

  /**
   * Tables, device and user risk, and signals of a report and window, cached until data, tags or settings
   * change. `staged` yields between the stages (computeTables, rollups, device risk, user risk, signals).
   */
  private async computed(v: ViewRequest, staged = false): Promise<Computed> {
    const { ws, info, win, sources } = await this.context(v);
    if (!staged) this.lastView = v;
    const key = JSON.stringify([info.id, win]);
    let c = this.cache.get(key);
    if (c && !staged) this.joined.add(c);
    if (!c) {
      const generation = this.generation;
      const ctx = { matcher: this.matcher!, scorer: this.scorerOf(), tags: this.tags, overrides: this.overrides };
      const { thresholds, signalSeverity, anonymize } = this.settings;
      // Stale: the data changed since this warm-up began and no view asked for it (the cache dropped it).
      const stale = () => staged && this.generation !== generation && !this.joined.has(p);
      const run = async (): Promise<Computed> => {
        if (stale()) throw new StaleWarmUp();
        const tables = computeTables(ws, { ...ctx, sources, from: win.from, to: win.to });
        const steps = riskSteps(ws, { ...ctx, report: info, from: win.from, to: win.to, thresholds, signalSeverity });
        let step: IteratorResult<void, RiskRun>;
        do {
          if (staged) {
            await pause();
            if (stale()) throw new StaleWarmUp();
          }
          step = steps.next();
        } while (!step.done);
        applyRisk(tables, step.value);
        if (anonymize) anonymizeTables(tables, this.pseudonyms);
        return { tables, signals: step.value.signals, series: timeline(ws, { ...win, sources }) };
      };
      const p = (staged ? pause().then(run) : run()).catch((e: unknown) => {
        if (this.cache.get(key) === p) this.cache.delete(key);
        throw e;
      });
      c = p;
      if (this.cache.size > 16) this.cache.clear();
      this.cache.set(key, c);
    }
    return c;
  }

  async signals(v: ViewRequest): Promise<SignalRow[]> {
    return (await this.computed(v)).signals;
  }

  async dashboard(
    v: ViewRequest,
  ): Promise<Dashboard & { window: { from: number | null; to: number | null }; signals: SignalRow[] }> {
    const { tables, signals, series } = await this.computed(v);
    const { win } = await this.context(v);
    const order: Record<string, number> = { High: 4, Medium: 3, Low: 2, Informational: 1 };
    const top = [...signals].sort((a, b) => (order[b.severity] ?? 0) - (order[a.severity] ?? 0) || b.time - a.time);
    return { ...dashboard(tables, series), window: win, signals: top.slice(0, 10) };
  }

  async table(v: ViewRequest, req: TableRequest): Promise<TablePage> {
    const t = await this.tables(v);
    return queryTable(req.entity === 'apps' && req.query ? { ...t, apps: this.applyQuery(t.apps, req.query) } : t, req);
  }

  /** Apps matching a saved or suggested query, over catalog attributes, tags and usage. */
  private applyQuery(apps: AppRow[], filter: AppFilter): AppRow[] {
    const byId = new Map(this.matcher!.catalog.apps.map((a) => [a.id, a]));
    const ctx = { catalogDate: this.matcher!.catalog.date };
    return apps.filter((row) => {
      const app = row.appId ? byId.get(row.appId) : undefined;
      if (!app || row.score === null) return false;
      const usage = {
        users: row.users,
        transactions: row.transactions,
        uploadBytes: row.upload,
        downloadBytes: row.download,
      };
      return matchesFilter({ app, score: row.score, noData: row.noData, tags: row.tags, usage }, filter, ctx);
    });
  }

  /** The on-screen table as a file: the same request, every row, the visible columns. */
  async exportTable(
    v: ViewRequest,
    req: TableRequest,
    columns: ExportColumn[],
    format: 'csv' | 'json',
    bom: boolean,
  ): Promise<ExportFile> {
    const page = await this.table(v, { ...req, offset: 0, limit: Number.MAX_SAFE_INTEGER });
    const stamp = new Date().toISOString().slice(0, 10);
    return format === 'csv'
      ? { name: `${req.entity}-${stamp}.csv`, mime: 'text/csv', content: tableCsv(page.rows, columns, bom) }
      : { name: `${req.entity}-${stamp}.json`, mime: 'application/json', content: tableJson(page.rows, columns) };
  }

  /** Block lists, Defender indicators, the incident report or the evidence bundle for a report and window. */
  async exportSet(v: ViewRequest, kinds: ExportKind[], focusDevices: string[] = []): Promise<ExportFile[]> {
    const { tables, signals } = await this.computed(v);
    const { info, win, sources } = await this.context(v);
    const imports = this.imports.filter((i) => sources.has(i.sourceId)).flatMap((i) => i.files);
    const audit = (await this.db.audit.toArray()).map(({ id: _id, ...a }) => a);
    return buildExports({
      kinds,
      stamp: { generatedAt: Date.now(), generator: DEFAULT_GENERATOR },
      catalog: this.matcher!.catalog,
      tags: this.tags,
      tables,
      signals,
      imports,
      settings: this.settings,
      scorer: this.scorerOf(),
      overrides: this.overrides,
      reportName: info.altName ? `${info.name} (${info.altName})` : info.name,
      window: win,
      focusDevices,
      audit,
    }).files;
  }

  /**
   * Adds a custom app (or promotes an unidentified domain to one): it joins the catalog at once and
   * re-attributes past traffic at query time, no re-import. Audited.
   */
  async addCustomApp(app: CustomApp, who = 'analyst'): Promise<string> {
    await this.load();
    const problems = validateCustomApp(app);
    if (problems.length > 0) throw new Error(`Custom app not saved: ${problems.join('; ')}`);
    const taken = new Set(this.matcher!.catalog.apps.map((a) => a.id));
    let id = customAppId(app);
    for (let n = 2; taken.has(id); n++) id = `${customAppId(app)}-${n}`;
    const stored: CustomApp = { ...app, id };
    await this.db.transaction('rw', this.db.customApps, this.db.audit, async () => {
      await this.db.customApps.put({ id, app: stored });
      await this.db.audit.add({
        when: Date.now(),
        who,
        action: 'custom-app-add',
        target: id,
        old: null,
        new: JSON.stringify(stored),
      });
    });
    this.invalidateData();
    return id;
  }

  /** Imports a newer catalog file (validated first); returns what changed against the catalog in use. */
  async importCatalog(file: unknown, who = 'analyst'): Promise<{ version: string; apps: number; added: number }> {
    const problems = validateCatalog(file);
    if (problems.length > 0) {
      throw new Error(
        `Catalog not imported: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`,
      );
    }
    await this.load();
    const cat = file as CatalogFile;
    const known = new Set(this.matcher!.catalog.apps.map((a) => a.id));
    const added = cat.apps.filter((a) => !known.has(a.id)).length;
    await this.db.transaction('rw', this.db.kv, this.db.audit, async () => {
      await this.db.kv.put({ key: IMPORTED_CATALOG, value: cat });
      await this.db.audit.add({
        when: Date.now(),
        who,
        action: 'catalog-import',
        target: cat.version,
        old: this.matcher!.catalog.version,
        new: `${cat.apps.length} apps`,
      });
    });
    this.invalidateData();
    return { version: cat.version, apps: cat.apps.length, added };
  }

  /** Saved queries of this investigation (the suggested ones are built in). */
  async savedQueries(): Promise<SavedQuery[]> {
    return (((await this.db.kv.get(SAVED_QUERIES))?.value ?? []) as SavedQuery[]).filter(
      (q) => parseSavedQuery(q) !== null,
    );
  }

  async saveQuery(name: string, filter: AppFilter): Promise<SavedQuery[]> {
    const q = parseSavedQuery({ id: `saved-${Date.now().toString(36)}`, name: name.trim(), filter });
    if (!q || !name.trim()) throw new Error('A saved query needs a name and a valid filter');
    const next = [...(await this.savedQueries()).filter((x) => x.name !== q.name), q];
    await this.db.kv.put({ key: SAVED_QUERIES, value: next });
    return next;
  }

  /** Overrides an app's score with a note (or removes the override with null); audited, re-scores at once. */
  async setOverride(appId: string, override: ScoreOverride | null, who = 'analyst'): Promise<void> {
    await this.load();
    if (!this.matcher!.catalog.apps.some((a) => a.id === appId)) throw new Error(`No app ${appId} in the catalog`);
    if (override && (!Number.isFinite(override.score) || override.score < 0 || override.score > 10)) {
      throw new Error('An override score is a number from 0 to 10');
    }
    if (override && !override.note.trim())
      throw new Error('Say why in a note: overrides are explained on the app page');
    const old = this.overrides[appId] ?? null;
    await this.db.transaction('rw', this.db.overrides, this.db.audit, async () => {
      if (override) await this.db.overrides.put({ appId, score: override.score, note: override.note.trim() });
      else await this.db.overrides.delete(appId);
      await this.db.audit.add({
        when: Date.now(),
        who,
        action: 'score-override',
        target: appId,
        old: old ? JSON.stringify(old) : null,
        new: override ? JSON.stringify({ score: override.score, note: override.note.trim() }) : null,
      });
    });
    if (override)
      this.overrides = { ...this.overrides, [appId]: { score: override.score, note: override.note.trim() } };
    else {
      const { [appId]: _gone, ...rest } = this.overrides;
      this.overrides = rest;
    }
    this.dropCache();
  }

  /** The audit log (tag changes, custom apps, de-anonymizations) as CSV or JSON. */
  async exportAudit(format: 'csv' | 'json'): Promise<ExportFile> {
    const records = (await this.db.audit.orderBy('when').toArray()).map(({ id: _id, ...a }) => a);
    const stamp = new Date().toISOString().slice(0, 10);
    return format === 'csv'
      ? { name: `audit-log-${stamp}.csv`, mime: 'text/csv', content: auditCsv(records) }
      : { name: `audit-log-${stamp}.json`, mime: 'application/json', content: auditJson(records) };
  }

  /** Bulk tagging: every catalog app the table request matches (filters, search, query) gets the change. */
  async tagMatching(v: ViewRequest, req: TableRequest, add: string[], remove: string[]): Promise<number> {
    const page = await this.table(v, { ...req, entity: 'apps', offset: 0, limit: Number.MAX_SAFE_INTEGER });
    const ids = (page.rows as AppRow[]).map((r) => r.appId).filter((id): id is string => id !== null);
    if (ids.length > 0) await this.applyTags(ids, add, remove, 'analyst');
    return ids.length;
  }

  /** Facts of one entity (a device or a user) and its apps, computed like the tables but over its facts only. */
  private async entityFacts(v: ViewRequest, column: 'device' | 'user', key: string) {
    const { ws, win, sources } = await this.context(v);
    const id = ws.pool.find(key);
    const ctx = { ...win, sources };
    const rows = factRows(ws, ctx, column, new Set([id]));
    const own = computeTables(ws, {
      matcher: this.matcher!,
      scorer: this.scorerOf(),
      tags: this.tags,
      overrides: this.overrides,
      sources,
      from: win.from,
      to: win.to,
      rows,
    });
    return { ws, rows, apps: own.apps, timeline: timeline(ws, ctx, { column, values: new Set([id]) }) };
  }

  /** A history with names replaced by pseudonyms when anonymization is on. */
  private named(rows: HistoryRow[], kind: PseudonymKind): HistoryRow[] {
    return this.settings.anonymize ? anonymizeHistory(rows, kind, this.pseudonyms) : rows;
  }

  /** The real key behind a (possibly pseudonymous) key from a view. */
  private realKey(key: string): string {
    return this.settings.anonymize ? (this.pseudonyms.real(key) ?? key) : key;
  }

  async device(v: ViewRequest, key: string): Promise<DevicePage | null> {
    const device = (await this.tables(v)).devices.find((d) => d.key === key);
    if (!device) return null;
    const { ws, rows, apps, timeline: series } = await this.entityFacts(v, 'device', this.realKey(key));
    return {
      device,
      timeline: series,
      apps,
      users: this.named(historyOf(ws, rows, 'user'), 'User'),
      ips: historyOf(ws, rows, 'localIp'),
    };
  }

  async user(v: ViewRequest, key: string): Promise<UserPage | null> {
    const user = (await this.tables(v)).users.find((u) => u.user === key);
    if (!user) return null;
    const { ws, rows, apps, timeline: series } = await this.entityFacts(v, 'user', this.realKey(key));
    return {
      user,
      timeline: series,
      apps,
      devices: this.named(historyOf(ws, rows, 'device'), 'Device'),
      ips: historyOf(ws, rows, 'localIp'),
    };
  }

  /** De-anonymization: the real name behind a pseudonym, recorded in the audit log. */
  async reveal(pseudonym: string, who = 'analyst'): Promise<string> {
    const real = this.pseudonyms.real(pseudonym);
    if (real === undefined) throw new Error(`No name behind “${pseudonym}” in this session`);
    await this.db.audit.add({ when: Date.now(), who, action: 'de-anonymize', target: pseudonym, old: null, new: real });
    return real;
  }

  async app(v: ViewRequest, key: string): Promise<AppPage | null> {
    const t = await this.tables(v);
    const app = t.apps.find((a) => a.key === key);
    if (!app) return null;
    const { ws, win, sources } = await this.context(v);
    const hostIds = new Set<number>();
    for (const d of app.domains) {
      const id = ws.pool.find(d);
      if (id >= 0) hostIds.add(id);
    }
    const ctx = { ...win, sources };
    const rows = factRows(ws, ctx, 'host', hostIds);
    const catalogApp = app.appId ? (this.matcher!.catalog.apps.find((a) => a.id === app.appId) ?? null) : null;
    return {
      app,
      breakdown: catalogApp ? this.scorerOf()(catalogApp, this.overrides[catalogApp.id] ?? null) : null,
      homepage: catalogApp?.homepage ?? null,
      vendor: catalogApp?.vendor ?? null,
      catalogDomains: catalogApp?.domains ?? [],
      timeline: timeline(ws, ctx, { column: 'host', values: hostIds }),
      users: this.named(historyOf(ws, rows, 'user'), 'User'),
      devices: this.named(historyOf(ws, rows, 'device'), 'Device'),
      ips: historyOf(ws, rows, 'localIp'),
    };
  }

  /** Tags one or more apps (last action wins) and records the change in the audit log. */
  async applyTags(appIds: string[], add: string[], remove: string[], who: string): Promise<TagState> {
    await this.load();
    const r = applyTagChange(this.tags, { appIds, add, remove, who, when: Date.now() });
    await this.db.transaction('rw', this.db.tags, this.db.audit, async () => {
      for (const id of appIds) {
        const tags = r.state[id] ?? [];
        if (tags.length === 0) await this.db.tags.delete(id);
        else await this.db.tags.put({ appId: id, tags: [...tags] });
      }
      for (const a of r.audit) {
        await this.db.audit.add({
          when: a.when,
          who: a.who,
          action: a.action,
          target: a.appId,
          old: JSON.stringify(a.old),
          new: JSON.stringify(a.new),
        });
      }
    });
    this.tags = r.state;
    this.dropCache();
    return r.state;
  }

  async sourcesWithImports(): Promise<{ sources: DataSourceRecord[]; imports: ImportRecord[] }> {
    return {
      sources: await this.db.dataSources.toArray(),
      imports: await this.db.imports.where('status').equals('committed').toArray(),
    };
  }

  async renameSource(id: string, name: string): Promise<void> {
    const trimmed = name.trim();
    if (!trimmed) throw new Error('A data source needs a name');
    await this.db.dataSources.update(id, { name: trimmed });
    this.invalidateData();
  }

  /** Deletes a source with all its imports, facts and keys in one transaction. */
  async deleteSource(id: string): Promise<void> {
    const db = this.db;
    await db.transaction('rw', db.dataSources, db.imports, db.factBlocks, db.keyBlocks, async () => {
      await db.factBlocks.where('sourceId').equals(id).delete();
      await db.keyBlocks.where('sourceId').equals(id).delete();
      await db.imports.where('sourceId').equals(id).delete();
      await db.dataSources.delete(id);
    });
    this.invalidateData();
  }

  /** Deletes every data source with all its data (tags, overrides, custom apps and the audit log stay). */
  async deleteAllData(): Promise<void> {
    const db = this.db;
    await db.transaction('rw', db.dataSources, db.imports, db.factBlocks, db.keyBlocks, async () => {
      await db.factBlocks.clear();
      await db.keyBlocks.clear();
      await db.imports.clear();
      await db.dataSources.clear();
    });
    this.invalidateData();
  }

  /**
   * Retention: drops facts whose hour is more than `days` before the data's last event, block by block,
   * in one transaction, so every view stays consistent (rollups are derived from facts at query time).
   * Returns how many facts were dropped.
   */
  async applyRetention(days: number): Promise<number> {
    if (!Number.isFinite(days) || days < 1) throw new Error('Retention is a number of days, at least 1');
    const db = this.db;
    const imports = await db.imports.where('status').equals('committed').toArray();
    const last = Math.max(...imports.map((i) => i.lastEvent ?? Number.NEGATIVE_INFINITY));
    if (!Number.isFinite(last)) return 0;
    const cutoffHour = Math.floor((last - days * 86_400_000) / 3_600_000);
    let dropped = 0;
    await db.transaction('rw', db.factBlocks, async () => {
      await db.factBlocks.toCollection().modify((b, ref) => {
        let keep = 0;
        for (let i = 0; i < b.count; i++) if (b.hour[i] >= cutoffHour) keep++;
        if (keep === b.count) return;
        dropped += b.count - keep;
        if (keep === 0) {
          delete (ref as { value?: unknown }).value;
          return;
        }
        const pick = <T extends Int32Array | Float64Array>(col: T): T => {
          const out = new (col.constructor as new (n: number) => T)(keep);
          let j = 0;
          for (let i = 0; i < b.count; i++) if (b.hour[i] >= cutoffHour) out[j++] = col[i];
          return out;
        };
        ref.value = {
          ...b,
          count: keep,
          hour: pick(b.hour),
          device: pick(b.device),
          deviceName: pick(b.deviceName),
          user: pick(b.user),
          localIp: pick(b.localIp),
          host: pick(b.host),
          transactions: pick(b.transactions),
          blocked: pick(b.blocked),
          bytesUp: pick(b.bytesUp),
          bytesDown: pick(b.bytesDown),
          firstSeen: pick(b.firstSeen),
          lastSeen: pick(b.lastSeen),
        };
      });
    });
    await db.audit.add({
      when: Date.now(),
      who: 'analyst',
      action: 'retention',
      target: `${days} days`,
      old: null,
      new: `${dropped} facts dropped`,
    });
    this.invalidateData();
    return dropped;
  }
}
