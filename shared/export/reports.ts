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

const bytes = (n: number | null): Cell => (n === null ? null : Math.round(n));
const time = (ms: number | null): Cell => (ms === null || !Number.isFinite(ms) ? null : isoSecond(ms));
const list = (xs: readonly string[]): string => xs.join('; ');

export interface SignalRow {
  time: number;
  severity: string;
  type: string;
  entity: string;
  app: string;
  description: string;
}

export function appsCsv(t: Tables): string {
  return toCsv(
    APPS_HEADER,
    t.apps.map((a) => [
      a.name,
      a.category,
      a.score === null ? null : (Math.round(a.score * 10) / 10).toFixed(1),
      list(a.tags),
      a.transactions,
      a.users,
      a.ips,
      a.devices,
      bytes(a.traffic),
      bytes(a.upload),
      bytes(a.download),
      time(a.firstSeen),
      time(a.lastSeen),
      list(a.domains),
    ]),
  );
}

export function devicesCsv(t: Tables): string {
  return toCsv(
    DEVICES_HEADER,
    t.devices.map((d) => [
      d.name,
      d.deviceId,
      d.riskLevel,
      d.transactions,
      bytes(d.traffic),
      bytes(d.upload),
      bytes(d.download),
      d.apps,
      d.users,
      d.ips,
      time(d.firstSeen),
      time(d.lastSeen),
      list(d.reasons),
    ]),
  );
}

export function usersCsv(t: Tables): string {
  return toCsv(
    USERS_HEADER,
    t.users.map((u) => [
      u.user,
      u.transactions,
      bytes(u.traffic),
      bytes(u.upload),
      bytes(u.download),
      u.apps,
      u.devices,
      u.ips,
      time(u.firstSeen),
      time(u.lastSeen),
    ]),
  );
}

export function ipsCsv(t: Tables): string {
  return toCsv(
    IPS_HEADER,
    t.ips.map((p) => [
      p.ip,
      p.transactions,
      bytes(p.traffic),
      bytes(p.upload),
      bytes(p.download),
      p.apps,
      p.users,
      p.devices,
      time(p.firstSeen),
      time(p.lastSeen),
    ]),
  );
}

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
