/**
 * The analyze command's report files, with exactly the headers the ingestion
 * issue spells out (other work and our acceptance checks depend on them).
 * Counts are integers; bytes are integers, empty where the source cannot say;
 * times ISO 8601 UTC to the second; lists joined with "; ".
 */

import type { Summary, Tables } from '../engine/query';
import { isoSecond } from '../formats/time';
import type { ImportFileRecord } from '../store/records';
import { type Cell, toCsv } from './csv';
import { type ExportColumn, tableCsv } from './table-export';

export const APPS_HEADER = [
  'App',
  'Category',
  'Score',
  'Tags',
  'Transactions',
  'Users',
  'IP addresses',
  'Devices',
  'Traffic',
  'Upload',
  'Download',
  'First seen',
  'Last seen',
  'Domains',
] as const;
export const DEVICES_HEADER = [
  'Device',
  'Device ID',
  'Risk level',
  'Transactions',
  'Traffic',
  'Upload',
  'Download',
  'Apps',
  'Users',
  'IP addresses',
  'First seen',
  'Last seen',
  'Reasons',
] as const;
export const USERS_HEADER = [
  'User',
  'Transactions',
  'Traffic',
  'Upload',
  'Download',
  'Apps',
  'Devices',
  'IP addresses',
  'First seen',
  'Last seen',
] as const;
export const IPS_HEADER = [
  'IP address',
  'Transactions',
  'Traffic',
  'Upload',
  'Download',
  'Apps',
  'Users',
  'Devices',
  'First seen',
  'Last seen',
] as const;
export const SIGNALS_HEADER = ['Time', 'Severity', 'Type', 'Entity', 'App', 'Description'] as const;

const time = (ms: number | null): Cell => (ms === null || !Number.isFinite(ms) ? null : isoSecond(ms));

export interface SignalRow {
  time: number;
  severity: string;
  type: string;
  entity: string;
  app: string;
  description: string;
  /** The device (its key) when the signal is about one, named by `entity` (exfiltration); not a report column. */
  device?: string;
}

/**
 * Each report's columns: the contracted header, zipped with the field and kind that fills it, so
 * the report files and the app's "export what is on screen" share one cell writer (tableCsv).
 */
function columns(header: readonly string[], fields: [string, ExportColumn['kind']][]): ExportColumn[] {
  if (header.length !== fields.length) throw new Error('report columns and header disagree');
  return header.map((label, i) => ({ label, key: fields[i][0], kind: fields[i][1] }));
}

const TOTALS: [string, ExportColumn['kind']][] = [
  ['traffic', 'bytes'],
  ['upload', 'bytes'],
  ['download', 'bytes'],
];
const SEEN: [string, ExportColumn['kind']][] = [
  ['firstSeen', 'time'],
  ['lastSeen', 'time'],
];

export const APPS_COLUMNS = columns(APPS_HEADER, [
  ['name', 'text'],
  ['category', 'text'],
  ['score', 'score'],
  ['tags', 'tags'],
  ['transactions', 'count'],
  ['users', 'count'],
  ['ips', 'count'],
  ['devices', 'count'],
  ...TOTALS,
  ...SEEN,
  ['domains', 'tags'],
]);
export const DEVICES_COLUMNS = columns(DEVICES_HEADER, [
  ['name', 'text'],
  ['deviceId', 'text'],
  ['riskLevel', 'risk'],
  ['transactions', 'count'],
  ...TOTALS,
  ['apps', 'count'],
  ['users', 'count'],
  ['ips', 'count'],
  ...SEEN,
  ['reasons', 'tags'],
]);
export const USERS_COLUMNS = columns(USERS_HEADER, [
  ['user', 'text'],
  ['transactions', 'count'],
  ...TOTALS,
  ['apps', 'count'],
  ['devices', 'count'],
  ['ips', 'count'],
  ...SEEN,
]);
export const IPS_COLUMNS = columns(IPS_HEADER, [
  ['ip', 'text'],
  ['transactions', 'count'],
  ...TOTALS,
  ['apps', 'count'],
  ['users', 'count'],
  ['devices', 'count'],
  ...SEEN,
]);

export const appsCsv = (t: Tables): string => tableCsv(t.apps, APPS_COLUMNS);
export const devicesCsv = (t: Tables): string => tableCsv(t.devices, DEVICES_COLUMNS);
export const usersCsv = (t: Tables): string => tableCsv(t.users, USERS_COLUMNS);
export const ipsCsv = (t: Tables): string => tableCsv(t.ips, IPS_COLUMNS);

export function signalsCsv(signals: readonly SignalRow[]): string {
  return toCsv(
    SIGNALS_HEADER,
    signals.map((s) => [time(s.time), s.severity, s.type, s.entity, s.app, s.description]),
  );
}

export function importsJson(files: readonly ImportFileRecord[]): string {
  return `${JSON.stringify(
    files.map((f) => ({
      file: f.file,
      format: f.format,
      rowsRead: f.rowsRead,
      rowsAccepted: f.rowsAccepted,
      rowsSkipped: f.rowsSkipped,
      skipped: f.skipped,
      rowsRejected: f.rowsRejected,
      rejections: f.rejections,
      sha256: f.sha256,
      firstEvent: f.firstEvent === null ? null : isoSecond(f.firstEvent),
      lastEvent: f.lastEvent === null ? null : isoSecond(f.lastEvent),
      rowsDuplicate: f.rowsDuplicate,
      alreadyImported: f.alreadyImported,
      // The zone times without one were read in; null when the file's times said their zone.
      timeZone: f.timeZone ?? null,
    })),
    null,
    2,
  )}\n`;
}

export function summaryJson(s: Summary): string {
  return `${JSON.stringify(
    {
      apps: s.apps,
      devices: s.devices,
      users: s.users,
      ips: s.ips,
      transactions: s.transactions,
      traffic: s.traffic === null ? null : Math.round(s.traffic),
      upload: s.upload === null ? null : Math.round(s.upload),
      download: s.download === null ? null : Math.round(s.download),
      firstEvent: s.firstEvent === null ? null : isoSecond(s.firstEvent),
      lastEvent: s.lastEvent === null ? null : isoSecond(s.lastEvent),
    },
    null,
    2,
  )}\n`;
}
