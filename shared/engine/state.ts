/**
 * The engine's working state over one case database: the in-memory working
 * set, the catalog with custom apps, tags, score overrides and settings, with
 * computed tables cached per (report, window), and risk bases per report and
 * end of its rollups (every window to the end of the data shares one). A
 * change to some sources' data (an import, a deletion, retention) drops only
 * the reports over those sources; a catalog or setting change drops them all,
 * and so does a tag, score override or score-weight change, but for the risk
 * bases: those reach risk only through apps' sanctions and scores, judged
 * again from what the bases keep.
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
import { type CloudscopeDb, DERIVED_KV_PREFIX } from '../store/db';
import { selectFacts } from '../store/fact-block';
import type { DataSourceRecord, ImportRecord } from '../store/records';
import { anonymizeHistory, anonymizeSignals, anonymizeTables, type PseudonymKind, Pseudonyms } from './anonymize';
import { type AppContext, reappraised } from './daily';
import type { DashboardView } from './protocol';
import {
  type AppRow,
  computeTables,
  IDLE_TABLE_STEP_FACTS,
  rejudgedAppRows,
  selectedFacts,
  TABLE_STEP_FACTS,
  type Tables,
  tableSteps,
  topDevices,
} from './query';
import { dailyBaseline, revivedBase, riskIn, uploadFloorOf } from './risk';
import {
  applyRisk,
  basesServe,
  type EarlyBases,
  everyBaseServes,
  isStoredBases,
  type RiskBases,
  rejudgedEarly,
  rejudgedUsers,
  revivedEarly,
  riskBaseSteps,
  riskInWindow,
  type SignalJudgement,
  storedBases,
} from './risk-report';
import { Sha256 } from './sha256';
import { signalsIn } from './signals';
import { stepped } from './steps';
import {
  type AppHistoryKind,
  type AppPage,
  type DayPoint,
  type DevicePage,
  dashboard,
  type EntityHead,
  factRows,
  type HistoryRow,
  historyOf,
  type IpPage,
  listReports,
  queryTable,
  type ReportInfo,
  type ReportRef,
  RISK_ORDER,
  RISKIEST_SHOWN,
  resolveWindow,
  type TablePage,
  type TableRequest,
  timeline,
  type UserPage,
  type WindowSpec,
} from './views';
import { WorkingSet } from './working-set';

const IMPORTED_CATALOG = 'catalog.imported';
/** Whole dashboards kept in the store: each under this key + `:` + its fingerprint (see EngineState.storedKey). */
const STORED_DASHBOARDS = `${DERIVED_KV_PREFIX}dashboards`;
/** Changed by every retention run, which changes facts in place (import records stay as they were). */
const RETENTION_STAMP = 'data.retentionStamp';
/** Stored dashboards kept at most (each ~10-20 KB), written this long after they are computed (see keepLater). */
const STORED_LIMIT = 32;
const DASHBOARD_KEEP_MS = 500;
/** Risk bases kept in the store: as STORED_DASHBOARDS. */
const STORED_BASES = `${DERIVED_KV_PREFIX}bases`;
/**
 * Risk bases kept in the store at most (a 10M-event report's take ~8 MB): every report's whole window and a few windows
 * ending early, the least recently used going first (4 let one early window push out a report's own).
 */
const STORED_BASES_LIMIT = 8;
/** How long a report's data must stay the same before its computed risk bases and tables are written to the store. */
const KEEP_AFTER_MS = 5000;
/** A result is written this long after it is computed at the soonest, however long the data has stayed the same. */
const KEEP_SOONEST_MS = 1000;
/** Whole computed views (tables with risk, signals, series) kept in the store: as STORED_BASES. */
const STORED_COMPUTED = `${DERIVED_KV_PREFIX}computed`;
const STORED_COMPUTED_LIMIT = 8;
/** Views with more table rows than this are not kept (100k-entity tables would take seconds to write and read). */
const STORED_COMPUTED_ROWS = 60_000;
const SAVED_QUERIES = 'queries.saved';

/**
 * How long to wait before writing a result computed `now` to the store so that it is written once the data has stayed
 * the same for `stableMs` since it last changed (`changedAt`), and never sooner than a moment after the computation
 * (`KEEP_SOONEST_MS`, or `stableMs` when that is shorter): writing a large result clones it in the engine's thread, and
 * the moment a view comes in is when the analyst's next click is likeliest.
 */
export function keepDelay(changedAt: number, now: number, stableMs: number): number {
  return Math.max(Math.min(stableMs, KEEP_SOONEST_MS), changedAt + stableMs - now);
}

export interface ViewRequest {
  report: ReportRef;
  window: WindowSpec;
}

/**
 * What a report's views are served from. It holds names and numbers only, never the working set's string ids, so
 * it stays valid across working-set rebuilds while the report's own sources are unchanged.
 */
interface Computed {
  tables: Tables;
  signals: SignalRow[];
  /** The dashboard's daily series. */
  series: DayPoint[];
}

interface CacheEntry {
  result: Promise<Computed>;
  /** The tables and daily series, before risk and signals (the dashboard shows them first). */
  early: Promise<Pick<Computed, 'tables' | 'series'>>;
  /** The whole dashboard: for a view, before the whole tables are computed (it needs only eight device rows). */
  dash: Promise<DashboardView>;
  /** Computed for a view (its whole tables wait for a quiet moment once the dashboard is answered), not a warm-up. */
  view: boolean;
  /** A warm-up that has not begun computing: a view asking for it takes its place (and answers the dashboard first). */
  waiting: boolean;
  /** The report's sources when the computation began: it is dropped when any of them changes. */
  sourceIds: readonly string[];
  /** What else of the report the result depends on (name, sources, signals or not): a different one is a miss. */
  shape: string;
  /** What of the result is in — the dashboard's first tables, the whole — and what it was computed from (see `rejudgeable`). */
  done: Omit<Judgeable, 'shape'> & { anonymized: boolean };
}

/** A result, or its first tables, computed from the data as of `dataVersion`, for a report of `shape`. */
interface Judgeable {
  first?: Pick<Computed, 'tables' | 'series'>;
  computed?: Computed;
  dataVersion: number;
  shape: string;
}

/** Cached (report, window) results kept; the least recently used go first. */
const CACHE_LIMIT = 16;
/** Results kept for judging again after a re-appraisal (see `rejudgeable`), the most recently used. */
const REJUDGEABLE_LIMIT = 8;
/** Risk bases kept (per report and end of its rollups); each holds a few arrays per entity-day, not the rollups. */
const BASE_LIMIT = 8;
const HOUR_MS = 3_600_000;

/** A report's risk bases (see riskBaseSteps), in progress or done, shared by every window over the same rollups. */
interface BaseEntry {
  result: Promise<RiskBases>;
  /** Its devices' and signals' bases, ready before the users' (what a dashboard waits for). */
  early: Promise<EarlyBases>;
  sourceIds: readonly string[];
  shape: string;
  /** The computation that computes it: a view that needs it meanwhile wakes a sleeping warm-up, as one joining its result does. */
  owner: Promise<Computed>;
  /**
   * Computed in stages a warm-up paces (it may sleep between them): a view needing them joins `owner` so it goes on
   * at once. A view's own computation never sleeps; joining it would only hurry its whole tables, which wait for a
   * quiet moment.
   */
  paced: boolean;
  /**
   * Judged again from bases `owner` computed, the users' a task later (`rejudged`): nothing computes them now, and
   * joining `owner` (or counting it as computing them, `computesBases`) would keep it going, stale, beside the view.
   */
  judgedOnly?: boolean;
  /**
   * The bases once computed (null while in progress), and the apps' appraisal they were judged with: a newer one
   * judges them again (`rejudgedBases`).
   */
  value: RiskBases | null;
  judgedWith: Appraisal;
  /**
   * Until they are in, the lowest upload threshold they serve whatever the data (`basesServe`; once in, the bases'
   * own floors and what they left out decide).
   */
  uploadFloor: number;
}

/**
 * What the analyst's judgement comes from, by identity: of apps, tags, score weights (in the scorer) and overrides;
 * of risk and signals, the policy thresholds and the signals' severity (`judgement`).
 */
type Appraisal = Omit<AppContext, 'matcher'> & { judgement: SignalJudgement };
const sameAppraisal = (a: Appraisal, b: Appraisal) =>
  a.tags === b.tags && a.scorer === b.scorer && a.overrides === b.overrides && a.judgement === b.judgement;

/**
 * Settings the risk bases are computed from: a change to any other setting keeps them (the thresholds and the
 * signals' severity judge them again, see `reappraise`; a lower upload threshold than theirs computes them again,
 * see `riskBases`).
 */
function baseSettings(s: Settings): string {
  return JSON.stringify([s.endpointIntegration, s.retentionDays]);
}

/** The settings risk and signals are judged with, as a key. */
function judgementSettings(s: Settings): string {
  return JSON.stringify([s.thresholds, s.signalSeverity]);
}

function judgementOf(s: Settings): SignalJudgement {
  return { thresholds: { ...s.thresholds }, severity: s.signalSeverity };
}
/** Reports warmed after an import at most (the imported source's first), so warm-ups never evict each other. */
const WARM_LIMIT = 8;

/**
 * The settings computed results depend on, as a key: all but the theme and what only exports read when they are
 * made (block-list options), so changing those keeps every cached report.
 */
function resultSettings(s: Settings): string {
  const { theme: _theme, blockUnsanctionedApps: _block, warnBypassHours: _bypass, ...rest } = s;
  return JSON.stringify(rest);
}

/** What else of a report its results depend on besides its data (name, signals or not, sources): a cache entry's shape. */
function shapeOf(info: ReportInfo): string {
  return JSON.stringify([info.name, info.raisesSignals, [...info.sourceIds].sort()]);
}

/** SHA-256 (hex) of a value's JSON: the fingerprint of what a stored dashboard was computed from. */
function digestOf(value: unknown): string {
  const h = new Sha256();
  h.update(new TextEncoder().encode(JSON.stringify(value)));
  return h.digest();
}

/** The facts read from the store so far, into one growing working set. */
interface Facts {
  ws: WorkingSet;
  /** Per import: its facts read into `ws`, or being read. */
  read: Map<string, Promise<void>>;
  /** The last read queued: reads run one after another, each import's blocks in store order. */
  tail: Promise<void>;
}

/** A warm-up whose data changed before anyone asked for its view: stopped, never shown. */
class StaleWarmUp extends Error {}

/** Lets other messages in between the stages of a long computation. */
const pause = (ms = 0) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A promise settled from outside; a rejection nobody waits for is not reported as unhandled. */
function settledLater<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve: (v: T) => void = () => {};
  let reject: (e: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/**
 * How long the engine must have had no view asked for or answered before a background warm-up of a report the UI
 * is not about to show runs its next stage: a stage holds the worker for up to a second or more on large data,
 * which the analyst would feel while clicking through the views.
 */
const IDLE_MS = 1000;

/**
 * How a warm-up runs: `next` (the report the UI shows next) stage after stage, `idle` (the other reports) only
 * while no view was asked for during the last IDLE_MS — until a view joins it, when it runs like `next`.
 */
type Warm = 'next' | 'idle';

export class EngineState {
  /** The store's records read (or being read), shared by every caller until they change. */
  private meta: Promise<void> | null = null;
  /** The facts read so far; kept when a change only adds imports or leaves facts alone. */
  private facts: Facts | null = null;
  /** Bumped whenever the store changes: a load that began before reads again. */
  private dataVersion = 0;
  private sources: DataSourceRecord[] = [];
  private imports: ImportRecord[] = [];
  private matcher: Matcher | null = null;
  private scorer: Scorer | null = null;
  private tags: TagState = {};
  private overrides: Record<string, ScoreOverride> = {};
  private settings: Settings = structuredClone(DEFAULT_SETTINGS);
  /** The thresholds and severity risk bases are judged with: a new object when they change (see `configure`). */
  private judgement: SignalJudgement = judgementOf(this.settings);
  private readonly pseudonyms = new Pseudonyms();
  /** Per (report, window), least recently used first: the computation, in progress or done, so callers share it. */
  private readonly cache = new Map<string, CacheEntry>();
  /** Per (report, end of its rollups), least recently used first. */
  private readonly bases = new Map<string, BaseEntry>();
  /** Bumped whenever data, tags or settings change: a computation begun before shares no risk base. */
  private epoch = 0;
  /**
   * Changes to each data source's data this session (an import, a deletion, retention; `all`: a change to every
   * source, or to the catalog): bases computed while none of their report's sources changed are kept in the store.
   */
  private readonly sourceChanges = { all: 0, by: new Map<string, number>() };
  /** Warm-ups someone asked for since (a view joined them): they finish even if the data changes. */
  private readonly joined = new WeakSet<Promise<Computed>>();
  /** Idle warm-ups waiting for a quiet moment: a view that joins one wakes it. */
  private readonly sleeping = new WeakMap<Promise<Computed>, () => void>();
  /** The warm-up of what the UI was expected to show next ('next'), by its cache key, while it runs. */
  private nextWarm: { key: string; result: Promise<Computed> } | null = null;
  /**
   * 'next' warm-ups a view of another report or window overtook: they go on in quiet moments only, as idle ones do
   * (after a tag change the engine re-warms the view last shown; an analyst switching report at once should not
   * wait for it).
   */
  private readonly demoted = new WeakSet<Promise<Computed>>();
  /** The view last asked for, warmed again after a tag or setting change. */
  private lastView: ViewRequest | null = null;
  /** Bumped by every prewarm: an older warm-up queue stops before its next report. */
  private warmTicket = 0;
  /**
   * The warm-up computing now (its step settles, never rejects): a newer queue starts after it when it is the report
   * the UI was to show next; an idle one only runs in quiet moments and is not waited for.
   */
  private warming: { step: Promise<unknown>; warm: Warm } = { step: Promise.resolve(), warm: 'next' };
  /**
   * When a view (or the report list) was last asked for or answered, ms: idle warm-ups wait for a quiet moment.
   * Starting counts as asked: the UI's first view comes soon after.
   */
  private lastAsked = Date.now();

  /** Risk bases computed here and read back from the store (tests read these). */
  readonly basesCount = { computed: 0, read: 0 };
  /** Test instrumentation: views answered by judging earlier tables again after a re-appraisal (see `rejudgeable`). */
  viewsRejudged = 0;
  /**
   * Results dropped by the last re-appraisals (tags, overrides, weights, thresholds), whole or only the first tables
   * of a view's dashboard, by cache key: their aggregates are still the data's, so a view of the same report and window
   * judges them again (`rejudgedAppRows`, risk from the kept bases) instead of computing them. Cleared when the data
   * changes.
   */
  private readonly rejudgeable = new Map<string, Judgeable>();
  /** Records of the store this session read or wrote (see keepLater): never written again. */
  private readonly keptRecords = new Set<string>();
  /** Results waiting to be written to the store (keepLater), by their record's key. */
  private readonly pendingWrites = new Map<
    string,
    { timer: ReturnType<typeof setTimeout>; sourceIds: readonly string[]; write: () => Promise<void> }
  >();
  /** What of the store besides imports and tags a result depends on: the imported catalog, custom apps, retention. */
  private metaStamp = '';
  /** The moves of records read back to the end of their index (touchKept), in order. */
  private touching: Promise<void> = Promise.resolve();
  /** When the store's data last changed (invalidateData), ms: see keepLater. Not in this session yet: long ago. */
  private dataChangedAt = Number.NEGATIVE_INFINITY;

  /**
   * `views.stamp` (the app's build) turns on stored results: a view's dashboard and whole result (tables, signals,
   * series), and a report's risk bases, are kept in the store under a fingerprint of everything they were computed
   * from, and a later session (a reopened app) answers the same view from them at once (bases judged with the tags
   * as they are then), while the facts are read back in the background. Without it (the command line, whose store
   * lives for one run) nothing is stored.
   */
  constructor(
    private readonly db: CloudscopeDb,
    private readonly views: { stamp?: string } = {},
  ) {}

  /**
   * The store changed: its records are read again at the next query, and its facts too unless `factsKept` (an
   * import only added its own, read when a view needs them; a catalog or name change touched none). With
   * `changedSources`, only the cached reports over one of those sources are dropped (a report's results depend on
   * its own sources' facts alone); without, every cached report is. A warm-up of a dropped report that no view
   * joined stops.
   */
  invalidateData(changedSources?: Iterable<string>, opts: { factsKept?: boolean } = {}): void {
    this.dataChangedAt = Date.now();
    this.epoch++;
    this.dataVersion++;
    this.meta = null;
    if (!opts.factsKept) this.facts = null;
    const changed = changedSources === undefined ? null : new Set(changedSources);
    if (changed === null) this.sourceChanges.all++;
    else for (const s of changed) this.sourceChanges.by.set(s, (this.sourceChanges.by.get(s) ?? 0) + 1);
    // Results computed from data that has changed since are not written (see keepLater).
    for (const [key, p] of this.pendingWrites) {
      if (changed && !p.sourceIds.some((s) => changed.has(s))) continue;
      clearTimeout(p.timer);
      this.pendingWrites.delete(key);
    }
    if (changed === null) {
      this.dropCache();
      return;
    }
    for (const [key, e] of this.cache) if (e.sourceIds.some((s) => changed.has(s))) this.cache.delete(key);
    for (const [key, e] of this.bases) if (e.sourceIds.some((s) => changed.has(s))) this.bases.delete(key);
    // (Results kept for judging again carry the data version they were computed from: none of them serves now.)
    this.rejudgeable.clear();
  }

  private dropCache(): void {
    this.epoch++;
    this.cache.clear();
    this.bases.clear();
    this.rejudgeable.clear();
  }

  /**
   * New settings. Only those a computed result depends on drop the cache: the UI sends every change (the theme
   * too), and recomputing a 10M-event report for a theme toggle would keep the dashboard waiting for seconds.
   */
  configure(settings: Partial<Settings>): void {
    const before = this.settings;
    this.settings = normalizeSettings({ ...this.settings, ...settings });
    if (resultSettings(this.settings) === resultSettings(before)) return;
    this.scorer = null;
    if (judgementSettings(this.settings) !== judgementSettings(before)) this.judgement = judgementOf(this.settings);
    // Score weights (the scorer), the thresholds and severity bases are judged with, and anonymization (applied to
    // views, never to bases) keep the risk bases.
    if (baseSettings(this.settings) === baseSettings(before)) this.reappraise();
    else this.dropCache();
  }

  /**
   * Computes, in the background, what the UI may ask for next, so those views are served from the cache.
   * After an import (`sourceId`): the report of the source just imported over all time (what the UI switches
   * to), then Global, the view last asked for and the other reports over all time — those still cached cost
   * nothing. Without a source (a tag or setting change): the view last asked for, then every report; with
   * `viewOnly` (a live batch, which leaves the UI where it is) only the view last asked for. One
   * report at a time, yielding between its stages; the reports after the first run their stages only while no
   * view has been asked for in a while, so the analyst's requests are not held up behind them. A request for a
   * report being warmed joins it instead of starting over. A newer prewarm replaces the queue, starting once the
   * first report of the older one is done (or stopped, its data having changed). Failures surface when a view
   * is asked for.
   */
  prewarm(sourceId?: string, viewOnly = false): void {
    const ticket = ++this.warmTicket;
    const current = () => ticket === this.warmTicket;
    const run = async () => {
      if (this.warming.warm === 'next') await this.warming.step;
      let views: ViewRequest[] = this.lastView ? [this.lastView] : [];
      // What the UI shows next: the report just imported, else the view last asked for. Before any view was
      // asked for (the app starting) nothing is known, so every warm-up waits for quiet moments: the first view
      // computes its dashboard first rather than joining a warm-up that computes its whole tables first.
      const next = sourceId !== undefined || this.lastView !== null;
      if (!viewOnly) {
        await this.loadMeta();
        if (!current()) return;
        views = this.warmOrder(sourceId);
      }
      for (const [i, view] of views.entries()) {
        if (!current()) return;
        const warm: Warm = i === 0 && next ? 'next' : 'idle';
        const step = this.computed(view, warm).catch(() => {});
        this.warming = { step, warm };
        await step;
      }
    };
    run().catch(() => {});
  }

  /**
   * After an import of `sourceId`: its report, Global, the last view, then the other reports, over all time.
   * Without a source (a tag, override or setting change cleared every report): the last view first, then Global
   * and the other reports, so switching report afterwards does not meet a cold computation either.
   */
  private warmOrder(sourceId?: string): ViewRequest[] {
    const reports = this.reportList();
    const all = (id: string): ViewRequest => ({ report: { id }, window: { preset: 'all' } });
    const views: ViewRequest[] = [];
    if (sourceId === undefined) {
      if (this.lastView) views.push(this.lastView);
    } else {
      const own = reports.find((r) => r.kind !== 'global' && r.sourceIds.includes(sourceId)) ?? reports[0];
      views.push(all(own.id), all(reports[0].id));
      if (this.lastView) views.push(this.lastView);
    }
    for (const r of reports) views.push(all(r.id));
    const seen = new Set<string>();
    return views
      .filter((v) => {
        const key = JSON.stringify([v.report.id, v.window]);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .slice(0, WARM_LIMIT);
  }

  private reportList(): ReportInfo[] {
    return listReports(this.sources, this.imports, { endpointIntegration: this.settings.endpointIntegration });
  }

  /** Starts reading the store's records (not the facts) before anything is asked: the first view waits less. */
  preload(): void {
    this.loadMeta().catch(() => {});
  }

  /** The store's records besides the facts (sources, imports, catalog, tags, overrides), read once per change. */
  private loadMeta(): Promise<void> {
    if (!this.meta) {
      const p = this.readMeta(() => this.meta === p);
      this.meta = p;
      p.catch(() => {
        if (this.meta === p) this.meta = null;
      });
    }
    return this.meta;
  }

  /** Reads the store's records; `current` says whether they are still the same when it is done. */
  private async readMeta(current: () => boolean): Promise<void> {
    const sources = await this.db.dataSources.toArray();
    const imports = await this.db.imports.where('status').equals('committed').toArray();
    const custom = (await this.db.customApps.toArray()).map((c) => c.app as CustomApp);
    // A newer catalog the analyst imported replaces built-in apps by id; custom apps, tags and overrides
    // are keyed by id and stay attached.
    const imported = ((await this.db.kv.get(IMPORTED_CATALOG))?.value ?? null) as CatalogFile | null;
    const matcher = createMatcher(loadCatalog(imported ? [...BUILTIN_CATALOG, imported] : BUILTIN_CATALOG, custom));
    const tags = Object.fromEntries((await this.db.tags.toArray()).map((t) => [t.appId, t.tags]));
    const overrides = Object.fromEntries(
      (await this.db.overrides.toArray()).map((o) => [o.appId, { score: o.score, note: o.note }]),
    );
    const retention = (await this.db.kv.get(RETENTION_STAMP))?.value ?? null;
    // The store changed while this read it: its callers get the read of the new records.
    if (!current()) return this.loadMeta();
    this.sources = sources;
    this.imports = imports;
    this.matcher = matcher;
    this.metaStamp = this.views.stamp ? digestOf([imported, custom, retention]) : '';
    // The same tags and overrides as before stay the same objects: risk bases judged with them stay judged (see
    // riskBases), where new ones of the same content would have every kept base judged again after an import.
    if (JSON.stringify(tags) !== JSON.stringify(this.tags)) this.tags = tags;
    if (JSON.stringify(overrides) !== JSON.stringify(this.overrides)) this.overrides = overrides;
  }

  /**
   * The working set with the facts of the given imports (every committed import when omitted) read in, as a
   * snapshot later reads leave unchanged. Imports are read once each, one after another, as they are first asked
   * for: a report's view waits for its own sources' facts only.
   */
  private async load(importIds?: readonly string[]): Promise<WorkingSet> {
    for (;;) {
      const version = this.dataVersion;
      await this.loadMeta();
      if (version !== this.dataVersion) continue;
      let facts = this.facts;
      if (!facts) {
        facts = { ws: new WorkingSet(), read: new Map(), tail: Promise.resolve() };
        this.facts = facts;
      }
      // Every committed import's facts fit without growing the columns again (more when imports were added).
      facts.ws.reserve(this.imports.reduce((n, i) => n + (i.facts ?? 0), 0));
      const ids = importIds ?? this.imports.map((i) => i.id);
      await Promise.all(ids.map((id) => this.readFacts(facts, id)));
      if (version === this.dataVersion && facts === this.facts) return facts.ws.snapshot();
    }
  }

  /** Queues the read of one import's facts into `facts` (once). A failed read starts the facts over at the next ask. */
  private readFacts(facts: Facts, importId: string): Promise<void> {
    let p = facts.read.get(importId);
    if (!p) {
      p = facts.tail.then(() => facts.ws.readImport(this.db, importId));
      facts.tail = p.catch(() => {});
      facts.read.set(importId, p);
      p.catch(() => {
        if (this.facts === facts) this.facts = null;
      });
    }
    return p;
  }

  /** Reads, in the background, the facts of every import not read yet (once a view has been answered). */
  private readonly readRest = (): void => {
    this.load().catch(() => {});
  };

  /** What attributes facts to apps and scores them: the catalog, weights, tags and overrides in force. */
  private appContext(): AppContext {
    return { matcher: this.matcher!, scorer: this.scorerOf(), tags: this.tags, overrides: this.overrides };
  }

  /** What risk bases are judged with now (see Appraisal). */
  private appraisal(): Appraisal {
    return { scorer: this.scorerOf(), tags: this.tags, overrides: this.overrides, judgement: this.judgement };
  }

  private scorerOf(): Scorer {
    if (!this.scorer) this.scorer = createScorer(this.matcher!.catalog.date, this.settings);
    return this.scorer;
  }

  async reports(): Promise<ReportInfo[]> {
    this.lastAsked = Date.now();
    await this.loadMeta();
    return this.reportList();
  }

  private readonly answered = (): void => {
    this.lastAsked = Date.now();
  };

  /** The report and window a view asks for, from the store's records (no facts read). */
  private async report(v: ViewRequest, warm?: Warm) {
    if (!warm) this.lastAsked = Date.now();
    await this.loadMeta();
    const reports = this.reportList();
    const info = reports.find((r) => r.id === v.report.id) ?? reports[0];
    const win = resolveWindow(v.window, info.lastEvent);
    return { info, win, sources: new Set(info.sourceIds) };
  }

  /** The working set with the report's own facts read in (the data may change meanwhile, and the report with it). */
  private async factsFor(info: ReportInfo): Promise<WorkingSet> {
    const sourceIds = new Set(info.sourceIds);
    return this.load(this.imports.filter((i) => sourceIds.has(i.sourceId)).map((i) => i.id));
  }

  /** The report and window a view asks for, and the working set with the report's facts. */
  private async context(v: ViewRequest, warm?: Warm) {
    for (;;) {
      const version = this.dataVersion;
      const r = await this.report(v, warm);
      const ws = await this.factsFor(r.info);
      if (version === this.dataVersion) return { ws, ...r };
    }
  }

  async tables(v: ViewRequest): Promise<Tables> {
    return (await this.computed(v)).tables;
  }

  /**
   * Tables, device and user risk, and signals of a report and window, cached until data, tags or settings
   * change. A warm-up (`warm`) yields between the stages (computeTables, rollups, device risk, user risk, signals).
   */
  private async computed(v: ViewRequest, warm?: Warm): Promise<Computed> {
    return (await this.entry(v, warm)).result;
  }

  /**
   * The cache entry of a report and window, its computation started (or joined) as `computed` describes. A view
   * that `needs` only the dashboard does not hurry the whole tables of a view computed before.
   */
  private async entry(v: ViewRequest, warm?: Warm, needs: 'dash' | 'result' = 'result'): Promise<CacheEntry> {
    const staged = warm !== undefined;
    const { info, win, sources } = await this.report(v, warm);
    if (!staged) this.lastView = v;
    const key = JSON.stringify([info.id, win]);
    if (!staged && this.nextWarm !== null && this.nextWarm.key !== key) {
      this.demoted.add(this.nextWarm.result);
      this.nextWarm = null;
    }
    const shape = shapeOf(info);
    const hit = this.cache.get(key);
    if (hit) this.cache.delete(key);
    // A view replaces a warm-up that is still waiting to begin (nobody joined it, so it stops).
    if (hit?.shape === shape && !(hit.waiting && !staged)) {
      // Most recently used last; a view that joins a warm-up keeps it going whatever changes meanwhile.
      this.cache.set(key, hit);
      if (!staged) {
        const all = needs === 'result' || !hit.view;
        if (all) {
          this.joined.add(hit.result);
          this.sleeping.get(hit.result)?.();
        }
        (all ? hit.result : hit.dash).then(this.answered, this.answered);
      }
      return hit;
    }
    const ctx = this.appContext();
    const { anonymize } = this.settings;
    const epoch = this.epoch;
    const dataVersion = this.dataVersion;
    // Stale: the cache dropped this warm-up (its data, tags or settings changed) and no view asked for it.
    // (Unless it computes risk bases still kept — a tag change keeps them — which then finish, at the same pace.)
    const stale = () => this.cache.get(key)?.result !== p && !this.joined.has(p) && !this.computesBases(p);
    /** Whether a stage waits for a quiet moment: an idle one (or a demoted warm-up's) that nobody joined. */
    const waitsForQuiet = (idle: boolean) => (idle || this.demoted.has(p)) && !this.joined.has(p);
    /**
     * Lets other messages in before the next stage; an idle stage (of a warm-up, or a view's whole tables after its
     * dashboard) nobody joined also waits for a quiet moment.
     */
    const yieldStage = async (idle = warm === 'idle') => {
      await pause();
      for (;;) {
        if (stale()) throw new StaleWarmUp();
        const quiet = Date.now() - this.lastAsked;
        if (!waitsForQuiet(idle) || quiet >= IDLE_MS) return;
        await new Promise<void>((resolve) => {
          const wake = () => {
            clearTimeout(timer);
            this.sleeping.delete(p);
            resolve();
          };
          const timer = setTimeout(wake, IDLE_MS - quiet);
          this.sleeping.set(p, wake);
        });
      }
    };
    /** Facts of a tables stage: fewer while this waits for quiet moments (a view may let one in, see tableSteps). */
    const stepFacts = (idle: boolean) => (waitsForQuiet(idle) ? IDLE_TABLE_STEP_FACTS : TABLE_STEP_FACTS);
    const early = settledLater<Pick<Computed, 'tables' | 'series'>>();
    const dash = settledLater<DashboardView>();
    // Once a view's dashboard is answered, the facts of the other reports' imports are read in the background.
    dash.promise.then(this.readRest, () => {});
    // Kept for the next session, unless the data, tags or settings changed while it was computed.
    const storeKey = this.storedKey(info, win);
    const tablesKey = this.tablesKey(info, win) ?? undefined;
    if (storeKey !== null) {
      dash.promise.then(
        (d) => {
          if (epoch === this.epoch)
            this.keepLater(STORED_DASHBOARDS, STORED_LIMIT, storeKey, () => d, info.sourceIds, DASHBOARD_KEEP_MS);
        },
        () => {},
      );
    }
    let fromStore = false;
    const run = async (): Promise<Computed> => {
      if (staged) {
        await yieldStage();
        entry.waiting = false;
      }
      // Computed by an earlier session from exactly what it would be computed from now: no fact needed.
      const kept = storeKey === null ? null : await this.storedComputed(storeKey);
      if (kept) {
        fromStore = true;
        early.resolve({ tables: kept.tables, series: kept.series });
        dash.resolve(this.wholeDashboard(kept, win));
        return kept;
      }
      // Computed before a tag, override, weight or threshold change, from the same data: judged again, not computed.
      const prior = anonymize ? undefined : this.rejudgeable.get(key);
      let usable = prior && prior.dataVersion === dataVersion && prior.shape === shape ? prior : null;
      // Else one kept in the store by an earlier session, from the same data, judged with other tags or settings.
      if (!usable && tablesKey !== undefined) {
        const earlier = await this.storedEarlier(tablesKey);
        if (earlier) usable = { computed: earlier, dataVersion, shape };
      }
      /** Earlier tables with their app rows judged as the apps are now; rows copied (risk is written into them). */
      const rejudgedTables = (t: Tables): Tables => ({
        ...t,
        apps: rejudgedAppRows(t.apps, ctx, this.matcher!.catalog),
        devices: t.devices.map((d) => ({ ...d })),
        users: t.users.map((u) => ({ ...u })),
      });
      if (usable?.computed) {
        const tables = rejudgedTables(usable.computed.tables);
        const series = usable.computed.series;
        early.resolve({ tables, series });
        // (This computation, `p`, owns bases it computes: it exists once run() has first awaited.)
        await Promise.resolve();
        // (Facts only if the bases must be computed: kept ones, or ones an earlier session stored, need none.)
        const bases = this.riskBases(() => this.factsFor(info), info, win, epoch, p, staged ? yieldStage : null);
        // The dashboard once the devices' and signals' bases are in (those being computed again finish the users'
        // after), as a computed view's is.
        const earlyBases = await bases.early;
        const devices = riskIn(earlyBases.devices, win);
        const signals = signalsIn(earlyBases.signals, win).signals;
        applyRisk(tables, { devices, users: new Map() });
        dash.resolve(this.wholeDashboard({ tables, signals, series }, win));
        applyRisk(tables, { devices, users: riskIn((await bases.result).users, win) });
        this.viewsRejudged++;
        return { tables, signals, series };
      }
      // The report's facts, read when its computation begins: a warm-up waiting for a quiet moment reads none yet.
      const ws = await this.factsFor(info);
      const window = { ...ctx, sources, from: win.from, to: win.to };
      // The window's facts, found once for every computation below.
      const q = { ...window, rows: selectedFacts(ws, window) };
      // (The daily series has no app in it: an earlier one serves.)
      const series = usable?.first?.series ?? timeline(ws, q);
      if (!staged) {
        // A view asked: the dashboard's apps and summary first (a third of the tables' time), answered before
        // the rest; then risk and signals (from the report's bases, often computed already for another window)
        // with the eight riskiest devices' rows, answered as the whole dashboard; the whole tables last. A view
        // whose dashboard was answered before a tag or setting change, and its whole tables not computed yet, has
        // its first tables judged again.
        if (usable?.first) this.viewsRejudged++;
        const first = usable?.first ? rejudgedTables(usable.first.tables) : computeTables(ws, q, true);
        early.resolve({ tables: first, series });
        await pause();
        const bases = this.riskBases(async () => ws, info, win, epoch, p, null);
        const earlyBases = await bases.early;
        const devices = riskIn(earlyBases.devices, win);
        const inWindow = signalsIn(earlyBases.signals, win).signals;
        const signals = anonymize ? anonymizeSignals(inWindow, this.pseudonyms) : inWindow;
        const level = (key: string) => RISK_ORDER[devices.get(key)?.level ?? 'Informational'];
        const top: Tables = { ...first, devices: topDevices(ws, q, level, RISKIEST_SHOWN) };
        applyRisk(top, { devices, users: new Map() });
        if (anonymize) anonymizeTables(top, this.pseudonyms);
        dash.resolve(this.wholeDashboard({ tables: top, signals, series }, win));
        // User risk and the whole tables in a quiet moment, or at once for whoever asks for them: an analyst
        // flipping through windows is not kept waiting by the tables of one already left.
        const tables = await stepped(
          tableSteps(ws, q, false, () => stepFacts(true)),
          () => yieldStage(true),
        );
        applyRisk(tables, { devices, users: riskIn((await bases.result).users, win) });
        if (anonymize) anonymizeTables(tables, this.pseudonyms);
        return { tables, signals, series };
      }
      const tables = await stepped(
        tableSteps(ws, q, false, () => stepFacts(warm === 'idle')),
        yieldStage,
      );
      early.resolve({ tables, series });
      const risk = riskInWindow(await this.riskBases(async () => ws, info, win, epoch, p, yieldStage).result, win);
      applyRisk(tables, risk);
      if (anonymize) anonymizeTables(tables, this.pseudonyms);
      const signals = anonymize ? anonymizeSignals(risk.signals, this.pseudonyms) : risk.signals;
      const computed = { tables, signals, series };
      dash.resolve(this.wholeDashboard(computed, win));
      return computed;
    };
    const p: Promise<Computed> = run().then((c) => {
      entry.done.computed = c;
      const rows = c.tables.apps.length + c.tables.devices.length + c.tables.users.length + c.tables.ips.length;
      if (storeKey !== null && !fromStore && epoch === this.epoch && rows <= STORED_COMPUTED_ROWS)
        this.keepLater(
          STORED_COMPUTED,
          STORED_COMPUTED_LIMIT,
          storeKey,
          () => c,
          info.sourceIds,
          KEEP_AFTER_MS,
          tablesKey,
        );
      return c;
    });
    p.catch((e: unknown) => {
      early.reject(e);
      dash.reject(e);
      if (this.cache.get(key)?.result === p) this.cache.delete(key);
    });
    // Nobody may wait for a view's whole tables (its dashboard came first): a stale one stops unheard. A view
    // that asked for them (a table, not the dashboard) has them computed at once.
    p.catch(() => {});
    if (!staged && needs === 'result') this.joined.add(p);
    const entry: CacheEntry = {
      result: p,
      early: early.promise,
      dash: dash.promise,
      view: !staged,
      waiting: staged,
      sourceIds: info.sourceIds,
      shape,
      done: { dataVersion, anonymized: anonymize },
    };
    early.promise.then(
      (first) => {
        entry.done.first = first;
      },
      () => {},
    );
    this.cache.set(key, entry);
    for (const old of this.cache.keys()) {
      if (this.cache.size <= CACHE_LIMIT) break;
      this.cache.delete(old);
    }
    if (warm === 'next') {
      const next = { key, result: p };
      this.nextWarm = next;
      const done = () => {
        if (this.nextWarm === next) this.nextWarm = null;
      };
      p.then(done, done);
    }
    // A view computes at once, without yielding: it is answered now.
    if (!staged) this.answered();
    return entry;
  }

  /**
   * The report's risk bases for a window: those of the rollups that end where the window does — past the report's
   * last event, the same rollups as no end at all, so every preset and any window to the end of the data share
   * one — computed by `owner` (stepping with `step` when it is a warm-up) from the report's `facts` unless already
   * there, in progress or kept in the store.
   * A view (no `step`) that finds them in progress in a sleeping warm-up wakes it. A computation begun before the
   * data, tags or settings last changed (`epoch`) neither uses nor leaves one.
   */
  private riskBases(
    facts: () => Promise<WorkingSet>,
    info: ReportInfo,
    win: { from: number | null; to: number | null },
    epoch: number,
    owner: Promise<Computed>,
    step: (() => Promise<void>) | null,
  ): Pick<BaseEntry, 'result' | 'early'> {
    const pastData =
      win.to === null || info.lastEvent === null || Math.ceil(win.to / HOUR_MS) > Math.floor(info.lastEvent / HOUR_MS);
    const to = pastData ? null : win.to;
    const key = JSON.stringify([info.id, to]);
    const shape = shapeOf(info);
    const shared = epoch === this.epoch;
    let hit = shared ? this.bases.get(key) : undefined;
    if (hit) this.bases.delete(key);
    // Bases computed with a higher upload threshold than the one now may lack uploads between the two: computed again
    // if they do (not where the data has no byte counts).
    if (hit?.shape === shape && basesServe(hit, this.settings.thresholds)) {
      if (!sameAppraisal(hit.judgedWith, this.appraisal())) hit = this.rejudged(key, hit);
      this.bases.set(key, hit);
      if (!step && !hit.value && !hit.judgedOnly && hit.paced) {
        this.joined.add(hit.owner);
        this.sleeping.get(hit.owner)?.();
      }
      return hit;
    }
    const ctx = this.appContext();
    const judgedWith = this.appraisal();
    const { thresholds, signalSeverity } = this.settings;
    const early = settledLater<EarlyBases>();
    let reachedEarly = false;
    // Bases an earlier session computed from the same data and settings are read back and judged with the apps as
    // they are now (what rejudgedBases gives); bases computed here are kept for the next session. Only while nothing
    // changed since this computation began (`shared`): its working set is the one the fingerprint describes.
    const storeKey = shared ? this.basesKey(info, to) : null;
    const changesAtStart = this.changesOf(info.sourceIds);
    const result = (async () => {
      // None, or not of the shape this build stores: computed again. So are bases computed with another upload
      // threshold that do not serve this one (they serve every higher one too: what this entry claims until they are
      // in, see `uploadFloor` below).
      const kept = storeKey === null ? null : await this.keptRecord(STORED_BASES, storeKey, isStoredBases);
      if (kept && everyBaseServes(kept, thresholds)) {
        this.basesCount.read++;
        const apps = reappraised(kept.devices.apps, ctx, this.matcher!.catalog);
        // The devices' and signals' first (what a dashboard waits for), the users' in the next task.
        const first = revivedEarly(kept, apps, judgedWith.judgement);
        reachedEarly = true;
        early.resolve(first);
        await pause();
        return { ...first, users: revivedBase(kept.users, apps, judgedWith.judgement.thresholds) };
      }
      const steps = riskBaseSteps(await facts(), { ...ctx, report: info, to, thresholds, signalSeverity }, (b) => {
        reachedEarly = true;
        early.resolve(b);
      });
      // A view computes at once until the devices' and signals' bases are in; then it lets other messages in between
      // stages, so its dashboard is answered, and what the page asks next (reads of the store included) served, while
      // the users' rollup and base are computed (about as long again as the devices'). Those stages count as asked
      // for: warm-ups waiting for a quiet moment do not share the cores with them.
      const between =
        step ??
        (() => {
          if (!reachedEarly) return Promise.resolve();
          this.lastAsked = Date.now();
          return pause();
        });
      const bases = (await stepped(steps, between)).bases;
      this.basesCount.computed++;
      // Kept unless the report's own data changed meanwhile: the facts they were computed from are those the
      // fingerprint names. (A tag or setting change, or another source's import, leaves them as valid: what of them
      // depends on tags is judged again when read back, and settings they depend on are in the fingerprint.)
      if (storeKey !== null && this.changesOf(info.sourceIds) === changesAtStart) {
        // In place of any kept before (read or written this session): these serve the threshold now in force.
        this.keptRecords.delete(`${STORED_BASES}:${storeKey}`);
        this.keepLater(STORED_BASES, STORED_BASES_LIMIT, storeKey, () => storedBases(bases), info.sourceIds);
      }
      return bases;
    })();
    result.then(early.resolve, early.reject);
    if (!shared) return { result, early: early.promise };
    const entry = this.tracked(key, {
      result,
      early: early.promise,
      sourceIds: info.sourceIds,
      shape,
      owner,
      paced: step !== null,
      value: null,
      judgedWith,
      // Until they are in: computed here, they serve down to the floor of this threshold; read back, this one up.
      uploadFloor: storeKey === null ? uploadFloorOf(thresholds) : thresholds.highUploadBytes,
    });
    this.bases.set(key, entry);
    for (const old of this.bases.keys()) {
      if (this.bases.size <= BASE_LIMIT) break;
      this.bases.delete(old);
    }
    return entry;
  }

  /**
   * Bases computed (or being computed) before a tag, score override or weight change, for the apps as they are judged
   * now: only what an app's sanction or score decides is judged again (rejudgedBases), in milliseconds — at once when
   * they are in, else when they come.
   */
  private rejudged(key: string, e: BaseEntry): BaseEntry {
    const judgedWith = this.appraisal();
    const { judgement } = judgedWith;
    const catalog = this.matcher!.catalog;
    const apps = (b: EarlyBases) => reappraised(b.devices.apps, judgedWith, catalog);
    // The devices' and signals' first: a dashboard waiting for them is answered before the users' are judged.
    const users = (b: RiskBases) => rejudgedUsers(b, apps(b), judgement);
    if (e.value) {
      const base = e.value;
      const early = rejudgedEarly(base, apps(base), judgement);
      const result = pause().then(() => ({ ...early, users: users(base) }));
      return this.tracked(key, {
        ...e,
        // Until the users' are judged: what the bases serve, this threshold included (they were found to serve it).
        uploadFloor: Math.min(e.uploadFloor, judgement.thresholds.highUploadBytes),
        value: null,
        judgedOnly: true,
        judgedWith,
        result,
        early: Promise.resolve(early),
      });
    }
    const early = e.early.then((b) => rejudgedEarly(b, apps(b), judgement));
    early.catch(() => {});
    return this.tracked(key, {
      ...e,
      judgedWith,
      result: Promise.all([early, e.result]).then(([b, whole]) => ({ ...b, users: users(whole) })),
      early,
    });
  }

  /** `e`, which takes its value when its bases are in, and leaves the kept bases (as `key`) when they fail. */
  private tracked(key: string, e: BaseEntry): BaseEntry {
    e.result.then(
      (value) => {
        e.value = value;
      },
      () => {
        if (this.bases.get(key) === e) this.bases.delete(key);
      },
    );
    return e;
  }

  /** The changes to the data of these sources so far (see sourceChanges), as one comparable string. */
  private changesOf(sourceIds: readonly string[]): string {
    return [this.sourceChanges.all, ...sourceIds.map((id) => this.sourceChanges.by.get(id) ?? 0)].join();
  }

  /** Whether `p` computes risk bases still kept: it goes on even when its own result is no longer wanted. */
  private computesBases(p: Promise<Computed>): boolean {
    for (const e of this.bases.values()) if (e.owner === p && !e.value && !e.judgedOnly) return true;
    return false;
  }

  async signals(v: ViewRequest): Promise<SignalRow[]> {
    return (await this.computed(v)).signals;
  }

  async dashboard(v: ViewRequest): Promise<DashboardView> {
    return (await this.storedDashboard(v)) ?? (await this.entry(v, undefined, 'dash')).dash;
  }

  /**
   * The fingerprint of a report and window's dashboard as it would be computed now: the build, the report (name,
   * kind, sources), the window, the report's imports (each import's facts never change after its commit; retention,
   * which drops some, is in `metaStamp`), the catalog and custom apps, tags, overrides and every setting a result
   * depends on. Null when nothing is stored: no stamp, or anonymized views (pseudonyms are the session's own).
   */
  private storedKey(info: ReportInfo, win: DashboardView['window']): string | null {
    if (!this.views.stamp || this.settings.anonymize) return null;
    return digestOf([...this.dataOf(info), win, resultSettings(this.settings), this.tags, this.overrides]);
  }

  /**
   * What every stored result of a report was computed from: the build, the report (name, kind, sources), its
   * committed imports and the rest of the store's meta (`metaStamp`).
   */
  private dataOf(info: ReportInfo): unknown[] {
    const sourceIds = new Set(info.sourceIds);
    const imports = this.imports
      .filter((i) => sourceIds.has(i.sourceId))
      .map((i) => `${i.id}:${i.facts}`)
      .sort();
    return [this.views.stamp, shapeOf(info), info.id, imports, this.metaStamp];
  }

  /**
   * The fingerprint of a report's risk bases over rollups ending at `to`: as a dashboard's (storedKey) but for the
   * window, tags, overrides and score weights — bases read back are judged with the apps as they are then — and for
   * settings, only those bases depend on. Null without a stamp.
   */
  private basesKey(info: ReportInfo, to: number | null): string | null {
    if (!this.views.stamp) return null;
    // For any upload threshold: bases read back are judged with the one in force when they serve it (see riskBases),
    // else computed again and kept in their place.
    return digestOf([...this.dataOf(info), 'bases', to, baseSettings(this.settings)]);
  }

  /**
   * Keeps a computed result in the store for the next session (under `index` + ":" + `key`, at most `limit` of them,
   * the least recently kept going first), once its report's data has stayed the same for `delayMs`: a live source,
   * whose batches change the data every few seconds, would otherwise have megabytes written per batch for results
   * the next batch makes stale (a change drops the pending write, `invalidateData`). Data that has stayed the same
   * that long already is written a moment after the result (`keepDelay`): an analyst who closes the app a few seconds
   * after a view came in finds it the next time. A record this session read or wrote already is not written again.
   */
  private keepLater(
    index: string,
    limit: number,
    key: string,
    value: () => unknown,
    sourceIds: readonly string[],
    delayMs = KEEP_AFTER_MS,
    tag?: string,
  ): void {
    const id = `${index}:${key}`;
    if (this.keptRecords.has(id)) return;
    clearTimeout(this.pendingWrites.get(id)?.timer);
    const write = async () => {
      await this.writeKept(index, limit, key, value(), tag);
      this.keptRecords.add(id);
    };
    const timer = setTimeout(
      () => {
        this.pendingWrites.delete(id);
        // A store that refuses (quota) only costs the next session a computation.
        write().catch(() => {});
      },
      keepDelay(this.dataChangedAt, Date.now(), delayMs),
    );
    this.pendingWrites.set(id, { timer, sourceIds, write });
  }

  /** A record kept in the store (`index` + ":" + `key`) if it passes `valid`, else null (then computed again). */
  private async keptRecord<T>(index: string, key: string, valid: (v: unknown) => v is T): Promise<T | null> {
    const id = `${index}:${key}`;
    try {
      const value = (await this.db.kv.get(id))?.value;
      if (!valid(value)) return null;
      this.keptRecords.add(id);
      this.touchKept(index, key);
      return value;
    } catch {
      return null;
    }
  }

  /**
   * Moves a record read back to the end of its index (see writeKept): records in use outlive those kept after them,
   * which would otherwise push them out in the order they were written.
   */
  private touchKept(index: string, key: string): void {
    const db = this.db;
    const touch = db
      .transaction('rw', db.kv, async () => {
        const keys = ((await db.kv.get(index))?.value as string[] | undefined) ?? [];
        const at = keys.indexOf(key);
        if (at < 0 || at === keys.length - 1) return;
        keys.splice(at, 1);
        keys.push(key);
        await db.kv.put({ key: index, value: keys });
      })
      .catch(() => {});
    this.touching = this.touching.then(() => touch);
  }

  /**
   * Writes a kept record and its index (least recently kept or read back first). A `tag` names what else the record is
   * (a computed view's tables key, see tablesKey): `index` + ".tags" maps the kept keys to theirs.
   */
  private async writeKept(index: string, limit: number, key: string, value: unknown, tag?: string): Promise<void> {
    const db = this.db;
    await db.transaction('rw', db.kv, async () => {
      const keys = (((await db.kv.get(index))?.value as string[] | undefined) ?? []).filter((k) => k !== key);
      keys.push(key);
      const gone = keys.splice(0, Math.max(0, keys.length - limit));
      await db.kv.bulkDelete(gone.map((k) => `${index}:${k}`));
      await db.kv.put({ key: `${index}:${key}`, value });
      await db.kv.put({ key: index, value: keys });
      if (tag !== undefined) {
        const was = ((await db.kv.get(`${index}.tags`))?.value ?? {}) as Record<string, string>;
        const tags: Record<string, string> = {};
        for (const k of keys) if (k in was) tags[k] = was[k];
        tags[key] = tag;
        await db.kv.put({ key: `${index}.tags`, value: tags });
      }
    });
  }

  /**
   * A computed view kept in the store for the same data, report, window and table settings as `tablesKey` names,
   * whatever tags, overrides, weights or thresholds it was judged with (the most recently kept), or null: its tables'
   * aggregates are the ones a computation would give, so a view with none of its own judges it again.
   */
  private async storedEarlier(tablesKey: string): Promise<Computed | null> {
    try {
      const tags = ((await this.db.kv.get(`${STORED_COMPUTED}.tags`))?.value ?? {}) as Record<string, string>;
      const keys = ((await this.db.kv.get(STORED_COMPUTED))?.value ?? []) as string[];
      const key = [...keys].reverse().find((k) => tags[k] === tablesKey);
      return key === undefined ? null : await this.storedComputed(key);
    } catch {
      return null;
    }
  }

  /**
   * The fingerprint of a view's tables without their judgement: as a dashboard's (storedKey) but for tags,
   * overrides and the settings that only judge (scores, thresholds, severity): what a computed view kept in the store
   * can be judged again for (storedEarlier). Null when nothing is kept.
   */
  private tablesKey(info: ReportInfo, win: DashboardView['window']): string | null {
    if (!this.views.stamp || this.settings.anonymize) return null;
    return digestOf([...this.dataOf(info), 'tables', win, baseSettings(this.settings)]);
  }

  /**
   * A view's whole computed result (tables with risk, signals, daily series) kept in the store for exactly what it
   * would be computed from now, or null. Read when a view's computation begins, before any fact: a reopened app's
   * tables, pages and exports then need no computation.
   */
  private storedComputed(key: string): Promise<Computed | null> {
    return this.keptRecord(STORED_COMPUTED, key, (v): v is Computed => {
      const c = v as Partial<Computed> | undefined;
      const t = c?.tables;
      return (
        t !== undefined &&
        [t.apps, t.devices, t.users, t.ips, c?.signals, c?.series].every(Array.isArray) &&
        typeof t.summary === 'object'
      );
    });
  }

  /**
   * A view's whole dashboard from the store, when one was kept for exactly what it would be computed from now (the
   * same as this session's own computation of it would be). The facts are then read in the background and the view
   * itself computed in a quiet moment, if nothing has begun it, so its tables and pages are ready when the analyst
   * clicks through.
   */
  private async storedDashboard(v: ViewRequest): Promise<DashboardView | null> {
    if (!this.views.stamp) return null;
    const { info, win } = await this.report(v);
    // Computed or being computed here (not a warm-up still waiting to begin): no need to read it from the store.
    const cached = this.cache.get(JSON.stringify([info.id, win]));
    if (cached && !cached.waiting && cached.shape === shapeOf(info)) return null;
    const key = this.storedKey(info, win);
    if (key === null) return null;
    const kept = await this.keptRecord(
      STORED_DASHBOARDS,
      key,
      (d): d is DashboardView => typeof d === 'object' && d !== null && Array.isArray((d as DashboardView).timeline),
    );
    if (!kept) return null;
    this.lastView = v;
    if (!this.cache.has(JSON.stringify([info.id, win]))) this.computed(v, 'idle').catch(() => {});
    // As after a computed dashboard, every import's facts read in the background for the next click (a device page
    // needs its report's facts): this report's first.
    this.factsFor(info).catch(() => {});
    this.readRest();
    return kept;
  }

  /** Writes the stored dashboards and bases now (tests; the engine writes them by itself a moment after each is computed). */
  async flushStoredViews(): Promise<void> {
    const pending = [...this.pendingWrites.values()];
    for (const p of pending) clearTimeout(p.timer);
    this.pendingWrites.clear();
    for (const p of pending) await p.write();
    await this.touching;
  }

  private wholeDashboard({ tables, signals, series }: Computed, win: DashboardView['window']): DashboardView {
    const top = [...signals].sort(
      (a, b) => (RISK_ORDER[b.severity] ?? 0) - (RISK_ORDER[a.severity] ?? 0) || b.time - a.time,
    );
    return { ...dashboard(tables, series), window: win, signals: top.slice(0, 10), riskPending: false };
  }

  async dashboardFirst(v: ViewRequest): Promise<DashboardView> {
    const kept = await this.storedDashboard(v);
    if (kept) return kept;
    const e = await this.entry(v, undefined, 'dash');
    const { win } = await this.context(v);
    // The whole dashboard when it is there first (or already).
    const first = await Promise.race([e.dash, e.early.then((early) => ({ early }))]);
    if (!('early' in first)) return first;
    return {
      ...dashboard(first.early.tables, first.early.series),
      riskiestDevices: [],
      window: win,
      signals: [],
      riskPending: true,
    };
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
    const set = await buildExports({
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
    });
    return set.files;
  }

  /**
   * Adds a custom app (or promotes an unidentified domain to one): it joins the catalog at once and
   * re-attributes past traffic at query time, no re-import. Audited.
   */
  async addCustomApp(app: CustomApp, who = 'analyst'): Promise<string> {
    await this.loadMeta();
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
    this.invalidateData(undefined, { factsKept: true });
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
    await this.loadMeta();
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
    this.invalidateData(undefined, { factsKept: true });
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
    await this.loadMeta();
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
    this.reappraise();
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
  private async entityFacts(v: ViewRequest, column: 'device' | 'user' | 'localIp', key: string) {
    const { ws, win, sources } = await this.context(v);
    const id = ws.pool.find(key);
    const ctx = { ...win, sources };
    const rows = factRows(ws, ctx, column, new Set([id]));
    const own = computeTables(ws, {
      ...this.appContext(),
      sources,
      from: win.from,
      to: win.to,
      rows,
    });
    return { ws, rows, apps: own.apps, timeline: timeline(ws, { ...ctx, rows }, { column, values: new Set([id]) }) };
  }

  /** A history with names replaced by pseudonyms when anonymization is on. */
  private named(rows: HistoryRow[], kind: PseudonymKind): HistoryRow[] {
    return this.settings.anonymize ? anonymizeHistory(rows, kind, this.pseudonyms) : rows;
  }

  /** The real key behind a (possibly pseudonymous) key from a view. */
  private realKey(key: string): string {
    return this.settings.anonymize ? (this.pseudonyms.real(key) ?? key) : key;
  }

  /**
   * An entity's row of the view's tables (a reopened app has them from the store): a page shows it at once, while
   * its facts — which `device`, `user` and `ip` read — are still coming in.
   */
  async entity(v: ViewRequest, kind: EntityHead['kind'], key: string): Promise<EntityHead | null> {
    const t = await this.tables(v);
    if (kind === 'device') {
      const row = t.devices.find((d) => d.key === key);
      return row ? { kind, row } : null;
    }
    if (kind === 'user') {
      const row = t.users.find((u) => u.user === key);
      return row ? { kind, row } : null;
    }
    const row = t.ips.find((r) => r.ip === key);
    return row ? { kind, row } : null;
  }

  async device(v: ViewRequest, key: string): Promise<DevicePage | null> {
    const head = await this.entity(v, 'device', key);
    if (head?.kind !== 'device') return null;
    const device = head.row;
    const { ws, rows, apps, timeline: series } = await this.entityFacts(v, 'device', this.realKey(key));
    return {
      device,
      timeline: series,
      baseline: dailyBaseline(series),
      apps,
      users: this.named(historyOf(ws, rows, 'user'), 'User'),
      ips: historyOf(ws, rows, 'localIp'),
    };
  }

  /** An IP address's page (addresses are never anonymized): the devices and users seen at it, its apps. */
  async ip(v: ViewRequest, key: string): Promise<IpPage | null> {
    const head = await this.entity(v, 'ip', key);
    if (head?.kind !== 'ip') return null;
    const ip = head.row;
    const { ws, rows, apps, timeline: series } = await this.entityFacts(v, 'localIp', key);
    return {
      ip,
      timeline: series,
      apps,
      devices: this.named(historyOf(ws, rows, 'device'), 'Device'),
      users: this.named(historyOf(ws, rows, 'user'), 'User'),
    };
  }

  async user(v: ViewRequest, key: string): Promise<UserPage | null> {
    const head = await this.entity(v, 'user', key);
    if (head?.kind !== 'user') return null;
    const user = head.row;
    const { ws, rows, apps, timeline: series } = await this.entityFacts(v, 'user', this.realKey(key));
    return {
      user,
      timeline: series,
      baseline: dailyBaseline(series),
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

  async app(v: ViewRequest, key: string, lists = true): Promise<AppPage | null> {
    const found = await this.appFacts(v, key);
    if (!found) return null;
    const { app, ws, ctx, rows, hostIds } = found;
    const catalogApp = app.appId ? (this.matcher!.catalog.apps.find((a) => a.id === app.appId) ?? null) : null;
    return {
      app,
      breakdown: catalogApp ? this.scorerOf()(catalogApp, this.overrides[catalogApp.id] ?? null) : null,
      homepage: catalogApp?.homepage ?? null,
      vendor: catalogApp?.vendor ?? null,
      catalogDomains: catalogApp?.domains ?? [],
      timeline: timeline(ws, { ...ctx, rows }, { column: 'host', values: hostIds }),
      users: lists ? this.appList(found, 'users') : [],
      devices: lists ? this.appList(found, 'devices') : [],
      ips: lists ? this.appList(found, 'ips') : [],
    };
  }

  /** One of an app page's lists, on its own (see `query.appHistory`); null when the app is not in the view. */
  async appHistory(v: ViewRequest, key: string, of: AppHistoryKind): Promise<HistoryRow[] | null> {
    const found = await this.appFacts(v, key);
    return found ? this.appList(found, of) : null;
  }

  /** The app's row of the view's tables and the facts of its hosts in the view's window and sources. */
  private async appFacts(v: ViewRequest, key: string) {
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
    return { app, ws, ctx, hostIds, rows: factRows(ws, ctx, 'host', hostIds) };
  }

  private appList(
    { ws, rows }: { ws: WorkingSet; rows: ReturnType<typeof factRows> },
    of: AppHistoryKind,
  ): HistoryRow[] {
    if (of === 'users') return this.named(historyOf(ws, rows, 'user'), 'User');
    if (of === 'devices') return this.named(historyOf(ws, rows, 'device'), 'Device');
    return historyOf(ws, rows, 'localIp');
  }

  /** Tags one or more apps (last action wins) and records the change in the audit log. */
  async applyTags(appIds: string[], add: string[], remove: string[], who: string): Promise<TagState> {
    await this.loadMeta();
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
    this.reappraise();
    return r.state;
  }

  /**
   * Tags, a score override, score weights, or the thresholds and severity risk is judged with changed: every cached
   * report goes (its tables show tags and scores), what of it was in kept to be judged again (`rejudgeable`); the risk
   * bases stay, computed or being computed, judged again with the apps and settings as they are now when next used (see
   * riskBases): nothing else of them depends on those.
   */
  private reappraise(): void {
    this.epoch++;
    for (const [key, e] of this.cache) {
      const { anonymized, ...done } = e.done;
      // (One that has nothing in yet leaves what an earlier one had, if anything: it is the same data.)
      if (anonymized || !(done.first || done.computed)) continue;
      this.rejudgeable.delete(key);
      this.rejudgeable.set(key, { ...done, shape: e.shape });
    }
    for (const old of this.rejudgeable.keys()) {
      if (this.rejudgeable.size <= REJUDGEABLE_LIMIT) break;
      this.rejudgeable.delete(old);
    }
    this.cache.clear();
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
    this.invalidateData([id], { factsKept: true });
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
    this.invalidateData([id]);
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
    const changed = new Set<string>();
    await db.transaction('rw', db.factBlocks, db.kv, async () => {
      // Facts change in place here, their import records do not: stored dashboards over them no longer match.
      await db.kv.put({ key: RETENTION_STAMP, value: `${Date.now()}-${Math.random()}` });
      await db.factBlocks.toCollection().modify((b, ref) => {
        let keep = 0;
        for (let i = 0; i < b.count; i++) if (b.hour[i] >= cutoffHour) keep++;
        if (keep === b.count) return;
        dropped += b.count - keep;
        changed.add(b.sourceId);
        // A block that adds strings to its import's dictionary stays, empty, for the blocks after it.
        if (keep === 0 && !(b.dictFrom !== undefined && b.strings.length > 0)) {
          delete (ref as { value?: unknown }).value;
          return;
        }
        const flags = new Uint8Array(b.count);
        for (let i = 0; i < b.count; i++) flags[i] = b.hour[i] >= cutoffHour ? 1 : 0;
        ref.value = selectFacts(b, flags);
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
    // Reports over sources that lost no fact stay cached.
    this.invalidateData(changed);
    return dropped;
  }
}
