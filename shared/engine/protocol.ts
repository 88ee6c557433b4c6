/**
 * The engine worker's method table: what the UI (and tests, and the CLI) may
 * ask the engine. Requests and results are plain structured-clone data.
 */
import type { TagState } from '../catalog/tags';
import type { Settings } from '../domain/settings';
import type { ExportKind } from '../export/export-set';
import type { SignalRow } from '../export/reports';
import type { ExportColumn } from '../export/table-export';
import type { ExportFile } from '../export/types';
import type { CustomMapping, FormatId } from '../formats/types';
import type { DataSourceKind, DataSourceRecord, ImportFileRecord, ImportRecord } from '../store/records';
import type { PreviewRequest, PreviewResult } from './preview';
import type { ViewRequest } from './state';
import type { AppPage, Dashboard, DevicePage, ReportInfo, TablePage, TableRequest, UserPage } from './views';

/** A file handed to the engine: bytes as a (transferable) web stream. */
export interface ImportSourceFile {
  name: string;
  size: number | null;
  stream: ReadableStream<Uint8Array>;
}

export interface ImportRequest {
  files: ImportSourceFile[];
  /** Import into this existing source, or create one with this name and kind. */
  source: { id?: string; name?: string; kind: DataSourceKind };
  /** Force a format instead of detecting it. */
  formatId?: FormatId;
  /** IANA zone for formats that log local time. */
  timeZone?: string;
  /** Column mapping for a CSV imported with the custom format. */
  mapping?: CustomMapping;
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
  'query.dashboard': {
    params: ViewRequest;
    result: Dashboard & { window: { from: number | null; to: number | null }; signals: SignalRow[] };
  };
  'query.table': { params: ViewRequest & { table: TableRequest }; result: TablePage };
  'query.device': { params: ViewRequest & { key: string }; result: DevicePage | null };
  'query.app': { params: ViewRequest & { key: string }; result: AppPage | null };
  'query.user': { params: ViewRequest & { key: string }; result: UserPage | null };
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
  'sources.list': { params: Record<string, never>; result: { sources: DataSourceRecord[]; imports: ImportRecord[] } };
  'sources.rename': { params: { id: string; name: string }; result: null };
  'sources.delete': { params: { id: string }; result: null };
  'engine.selfTest': { params: { steps: number; delayMs: number }; result: { steps: number } };
}
