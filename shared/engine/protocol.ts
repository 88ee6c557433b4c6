/**
 * The engine worker's method table: what the UI (and tests, and the CLI) may
 * ask the engine. Requests and results are plain structured-clone data.
 */
import type { AppFilter, SavedQuery } from '../catalog/queries';
import type { TagState } from '../catalog/tags';
import type { CustomApp } from '../catalog/types';
import type { Settings } from '../domain/settings';
import type { ExportKind } from '../export/export-set';
import type { SignalRow } from '../export/reports';
import type { ExportColumn } from '../export/table-export';
import type { ExportFile } from '../export/types';
import type { CustomMapping, FormatId, SlashDates } from '../formats/types';
import type { CaseRecord } from '../store/cases';
import type { DataSourceKind, DataSourceRecord, ImportFileRecord, ImportRecord } from '../store/records';
import type { PreviewRequest, PreviewResult } from './preview';
import type { ViewRequest } from './state';
import type {
  AppHistoryKind,
  AppPage,
  Dashboard,
  DevicePage,
  EntityHead,
  HistoryRow,
  IpPage,
  ReportInfo,
  TablePage,
  TableRequest,
  UserPage,
} from './views';

/** A file handed to the engine: bytes as a (transferable) web stream. */

/** The dashboard of a report and window; `riskPending`: risk and signals are still being computed (empty here). */
export type DashboardView = Dashboard & {
  window: { from: number | null; to: number | null };
  signals: SignalRow[];
  riskPending: boolean;
};
export interface ImportSourceFile {
  name: string;
  size: number | null;
  /** The bytes, unless `blob` is given. */
  stream?: ReadableStream<Uint8Array>;
  /**
   * The file itself when the page has it as a Blob (a browser File): the engine reads it in its own thread,
   * rather than through a stream the page feeds and whose every chunk is copied across.
   */
  blob?: Blob;
}

export interface ImportRequest {
  files: ImportSourceFile[];
  /** Import into this existing source, or create one with this name and kind. */
  source: { id?: string; name?: string; kind: DataSourceKind };
  /** Force a format instead of detecting it. */
  formatId?: FormatId;
  /** IANA zone for formats that log local time. */
  timeZone?: string;
  /** How dates like 05/10/2026 read (see ParseContext.slashDates). */
  slashDates?: SlashDates;
  /** Column mapping for a CSV imported with the custom format. */
  mapping?: CustomMapping;
  /**
   * What the engine computes in the background once the import committed: `reports` (the default) the imported
   * source's report, which the UI shows next, then the other reports the import changed; `view` only the view last
   * asked for (live-collector batches, which leave the UI on the report it shows).
   */
  warm?: 'reports' | 'view';
}

export interface ImportResult {
  importId: string | null;
  sourceId: string;
  files: ImportFileRecord[];
  facts: number;
  transactions: number;
  durationMs: number;
}

export interface EngineStatus {
  dbName: string;
  dbVersion: number;
  dataSources: number;
  imports: number;
  factBlocks: number;
  /** Staging imports swept at open (left by a crash or a closed window). */
  swept: number;
  persisted: boolean | null;
}

export interface EngineMethods {
  'engine.status': { params: Record<string, never>; result: EngineStatus };
  /** A cancellable no-op job that reports progress; used by the UI self-test and the browser tests. */
  'import.run': { params: ImportRequest; result: ImportResult };
  'import.preview': { params: PreviewRequest; result: PreviewResult };
  /** Score weights and unknown-value handling: changing them re-scores everything, no re-import. */
  'engine.configure': { params: { settings: Partial<Settings> }; result: null };
  'reports.list': { params: Record<string, never>; result: ReportInfo[] };
  'query.dashboard': { params: ViewRequest; result: DashboardView };
  /** The dashboard as soon as its tables are known, perhaps before risk and signals (`riskPending`). */
  'query.dashboardFirst': { params: ViewRequest; result: DashboardView };
  'query.table': { params: ViewRequest & { table: TableRequest }; result: TablePage };
  'query.device': { params: ViewRequest & { key: string }; result: DevicePage | null };
  /** An entity's row of the view's tables, without reading its facts: what its page shows first. */
  'query.entity': { params: ViewRequest & { kind: EntityHead['kind']; key: string }; result: EntityHead | null };
  /**
   * An app's page; with `lists: false` its users, devices and IP addresses are left empty (the page asks for each
   * with `query.appHistory` when its tab opens: an app of 100k users would send 300k rows).
   */
  'query.app': { params: ViewRequest & { key: string; lists?: boolean }; result: AppPage | null };
  /** One of an app page's lists: who used the app, the devices and the addresses it was used from. */
  'query.appHistory': {
    params: ViewRequest & { key: string; of: AppHistoryKind };
    result: HistoryRow[] | null;
  };
  'query.user': { params: ViewRequest & { key: string }; result: UserPage | null };
  'query.ip': { params: ViewRequest & { key: string }; result: IpPage | null };
  'tags.apply': { params: { appIds: string[]; add: string[]; remove: string[] }; result: TagState };
  /** Bulk tagging of every catalog app a table request matches; returns how many were tagged. */
  'tags.applyMatching': {
    params: ViewRequest & { table: TableRequest; add: string[]; remove: string[] };
    result: number;
  };
  'export.table': {
    params: ViewRequest & { table: TableRequest; columns: ExportColumn[]; format: 'csv' | 'json'; bom: boolean };
    result: ExportFile;
  };
  'export.set': { params: ViewRequest & { kinds: ExportKind[]; focusDevices?: string[] }; result: ExportFile[] };
  /** Sets (or, with null, removes) an app's score override; the note is required. */
  'apps.override': { params: { appId: string; override: { score: number; note: string } | null }; result: null };
  /** A newer catalog file (JSON, the data files' shape): replaces built-in apps by id, keeps custom apps, tags and overrides. */
  'catalog.import': { params: { file: unknown }; result: { version: string; apps: number; added: number } };
  'queries.list': { params: Record<string, never>; result: SavedQuery[] };
  'queries.save': { params: { name: string; filter: AppFilter }; result: SavedQuery[] };
  /** De-anonymization of one pseudonym, recorded in the audit log. */
  'privacy.reveal': { params: { pseudonym: string }; result: string };
  'export.audit': { params: { format: 'csv' | 'json' }; result: ExportFile };
  /** Adds a custom app, e.g. an unidentified domain promoted in one action; returns its id. */
  'apps.addCustom': { params: { app: CustomApp }; result: string };
  'sources.list': { params: Record<string, never>; result: { sources: DataSourceRecord[]; imports: ImportRecord[] } };
  'sources.rename': { params: { id: string; name: string }; result: null };
  'sources.delete': { params: { id: string }; result: null };
  'data.deleteAll': { params: Record<string, never>; result: null };
  /** Drops facts older than `days` before the data's last event; returns how many were dropped. */
  'data.retention': { params: { days: number }; result: number };
  'engine.selfTest': { params: { steps: number; delayMs: number }; result: { steps: number } };
  /** The investigations, most recently opened first; `currentId` is the case the engine has open. */
  'cases.list': { params: Record<string, never>; result: { cases: CaseRecord[]; currentId: string | null } };
  /** The open case (for the title bar); null when the engine was opened on a database outside the registry. */
  'cases.current': { params: Record<string, never>; result: CaseRecord | null };
  /** Registers a new, empty case; it is not opened. */
  'cases.create': { params: { name: string }; result: CaseRecord };
  'cases.rename': { params: { id: string; name: string }; result: CaseRecord };
  /** Deletes a case with its database. The open case cannot be deleted: open another first. */
  'cases.delete': { params: { id: string }; result: null };
  /** Closes the open case and opens this one; refused while an import runs. Every later request answers from it. */
  'cases.open': { params: { id: string }; result: CaseRecord };
  /** The open case as one backup file: a suggested file name and the bytes. */
  'cases.backup': { params: Record<string, never>; result: { name: string; bytes: Uint8Array } };
  /**
   * Restores a backup file into a new case (never over an existing one) and returns it, not opened.
   * The whole file is checked first; a damaged or foreign file is refused (BackupError) with nothing written.
   * Without `name` the case keeps the name it was backed up under.
   */
  'cases.restore': { params: { bytes: Uint8Array; name?: string }; result: CaseRecord };
}
