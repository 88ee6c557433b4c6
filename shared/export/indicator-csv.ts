/**
 * Microsoft Defender for Endpoint custom indicators: the CSV the portal imports
 * under Settings › Endpoints › Indicators › URLs/Domains › Import. One
 * `DomainName` row per domain of the block plan; Block for unsanctioned apps
 * and Warn for monitored ones when "Block unsanctioned apps" is on, Audit for
 * both when it is off (the cloud product's behaviour). The portal takes at
 * most 500 indicators per import, so the rows are split across numbered files,
 * and a notes file beside them says what was generated and what was left out.
 */
import { formatScore } from '../catalog/score';
import type { Settings } from '../domain/settings';
import { isoSecond } from '../formats/time';
import { type BlockEntry, type BlockPlan, type BlockSanction, type ExcludedDomain, tagStateLine } from './block-plan';
import { type Cell, toCsv } from './csv';
import { type ExportFile, type ExportStamp, oneLine } from './types';

export const INDICATOR_HEADER = [
  'IndicatorType',
  'IndicatorValue',
  'ExpirationTime',
  'Action',
  'Severity',
  'Title',
  'Description',
  'RecommendedActions',
  'RbacGroups',
  'Category',
  'MitreTechniques',
  'GenerateAlert',
] as const;

/** The portal's limit per import. */
export const MAX_INDICATOR_ROWS = 500;

export type IndicatorAction = 'Block' | 'Warn' | 'Audit';

export type IndicatorSettings = Pick<Settings, 'blockUnsanctionedApps' | 'signalSeverity' | 'warnBypassHours'>;

export interface IndicatorOptions {
  settings: IndicatorSettings;
  stamp: ExportStamp;
  /** UTC epoch ms when the indicators expire; absent or null: they do not. */
  expiresAt?: number | null;
  /** Device groups the indicators apply to; empty: all devices. */
  rbacGroups?: readonly string[];
  /** Whether a hit raises an alert. Audit indicators always do (the portal requires it). Default true. */
  generateAlert?: boolean;
  /** Rows per file, at most 500. */
  rowsPerFile?: number;
}

export function indicatorAction(sanction: BlockSanction, blockUnsanctionedApps: boolean): IndicatorAction {
  if (!blockUnsanctionedApps) return 'Audit';
  return sanction === 'Unsanctioned' ? 'Block' : 'Warn';
}

/** `YYYY-MM-DDTHH:MM:SS.0Z`, the form the import documents. */
export function indicatorTime(ms: number): string {
  return `${isoSecond(ms).slice(0, 19)}.0Z`;
}

export function indicatorFileName(n: number): string {
  return `indicators-${String(n).padStart(3, '0')}.csv`;
}

const day = (ms: number) => isoSecond(ms).slice(0, 10);
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function whyText(e: BlockEntry): string {
  const score =
    e.score === null
      ? ''
      : `, risk score ${formatScore(e.score)} of 10${e.noData ? ' (no risk data in the catalog)' : ''}`;
  const origin =
    e.origin === 'catalog'
      ? 'a domain of the app in the Cloudscope catalog'
      : e.origin === 'observed'
        ? 'a host seen in traffic attributed to the app'
        : 'the domain the tag was set on';
  const usage = e.usage
    ? ` Seen in the analysed telemetry: ${e.usage.transactions.toLocaleString('en-US')} transaction(s) from ${e.usage.devices} device(s) between ${day(e.usage.firstSeen)} and ${day(e.usage.lastSeen)}.`
    : '';
  return `${oneLine(e.appName)} (${oneLine(e.category) || 'uncategorised'}${score}) is tagged ${e.sanction} in Cloudscope; ${e.domain} is ${origin}.${usage}`;
}

function recommended(action: IndicatorAction, settings: IndicatorSettings): string {
  switch (action) {
    case 'Block':
      return 'Unsanctioned cloud app: point users to a sanctioned alternative and review the devices that used it.';
    case 'Warn':
      return `Monitored cloud app: users are warned and may bypass the warning (bypass duration ${settings.warnBypassHours} h). Review its use before sanctioning or blocking it.`;
    case 'Audit':
      return 'Audit only ("Block unsanctioned apps" is off in Cloudscope): review hits in Advanced Hunting before enforcing.';
  }
}

/** The data rows of every indicator, in plan order (blocks first). */
export function indicatorRows(plan: BlockPlan, opts: IndicatorOptions): Cell[][] {
  const expiry = opts.expiresAt == null ? '' : indicatorTime(opts.expiresAt);
  const rbac = (opts.rbacGroups ?? []).map(oneLine).filter(Boolean).join(',');
  return plan.entries.map((e) => {
    const action = indicatorAction(e.sanction, opts.settings.blockUnsanctionedApps);
    const alert = action === 'Audit' || opts.generateAlert !== false;
    return [
      'DomainName',
      e.domain,
      expiry,
      action,
      opts.settings.signalSeverity,
      clip(`Cloudscope: ${e.sanction.toLowerCase()} app ${oneLine(e.appName)}`, 120),
      clip(whyText(e), 1000),
      recommended(action, opts.settings),
      rbac,
      '',
      '',
      alert ? 'true' : 'false',
    ];
  });
}

/** `indicators-001.csv`, `-002`… (at most 500 rows each; one header-only file when nothing is to be blocked) and the notes. */
export function indicatorFiles(plan: BlockPlan, opts: IndicatorOptions): ExportFile[] {
  const per = Math.max(1, Math.min(MAX_INDICATOR_ROWS, Math.floor(opts.rowsPerFile ?? MAX_INDICATOR_ROWS)));
  const rows = indicatorRows(plan, opts);
  const files: ExportFile[] = [];
  for (let i = 0; i === 0 || i < rows.length; i += per) {
    files.push({
      name: indicatorFileName(files.length + 1),
      mime: 'text/csv',
      content: toCsv(INDICATOR_HEADER, rows.slice(i, i + per)),
    });
  }
  files.push({
    name: 'indicators-notes.txt',
    mime: 'text/plain',
    content: indicatorNotes(
      plan,
      opts,
      files.map((f, i) => `${f.name}: ${Math.min(per, rows.length - i * per)} row(s)`),
    ),
  });
  return files;
}

/** One sentence for a command line or a toast: how many indicators, and what was left out. */
export function exclusionSummary(plan: BlockPlan): string {
  if (plan.excluded.length === 0) return 'nothing was left out';
  const label: Record<ExcludedDomain['kind'], string> = {
    protected: 'Microsoft, security and infrastructure services that are never blocked',
    sanctioned: 'domains of sanctioned apps',
    ip: 'IP addresses or ranges',
    invalid: 'values that are not domain names',
    'unknown-app': 'apps not in the catalog',
  };
  const counts = new Map<string, number>();
  for (const x of plan.excluded) counts.set(label[x.kind], (counts.get(label[x.kind]) ?? 0) + 1);
  return `${plan.excluded.length} left out (${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')})`;
}

function indicatorNotes(plan: BlockPlan, opts: IndicatorOptions, fileLines: string[]): string {
  const s = opts.settings;
  const lines = [
    `Microsoft Defender for Endpoint indicators generated by ${opts.stamp.generator} at ${isoSecond(opts.stamp.generatedAt)}`,
    `from ${tagStateLine(plan.tagState)}.`,
    '',
    'Settings in force:',
    `  Block unsanctioned apps: ${s.blockUnsanctionedApps ? 'on (unsanctioned → Block, monitored → Warn)' : 'off (every indicator is Audit)'}`,
    `  Signal severity: ${s.signalSeverity}`,
    `  Warn bypass duration: ${s.warnBypassHours} h (set on the Defender side; the import has no column for it)`,
    `  Expiry: ${opts.expiresAt == null ? 'none' : isoSecond(opts.expiresAt)}`,
    `  Device groups: ${opts.rbacGroups?.length ? opts.rbacGroups.join(', ') : 'all'}`,
    '',
    `Files (import each one under Settings › Endpoints › Indicators › URLs/Domains › Import; at most ${MAX_INDICATOR_ROWS} per import):`,
    ...fileLines.map((l) => `  ${l}`),
    '',
    `Indicators: ${plan.entries.length}. Domains only: no URL paths, wildcards, IP addresses or CIDR ranges.`,
    '',
  ];
  if (plan.excluded.length === 0) {
    lines.push('Left out: nothing.');
  } else {
    lines.push(
      `Left out (${plan.excluded.length}) — never blocked are Windows Update, Defender for Endpoint, Microsoft Entra ID,`,
      'Intune, the Microsoft 365 core, Windows activation, CRL/OCSP and the infrastructure services of the catalog:',
    );
    for (const x of plan.excluded) lines.push(`  ${x.domain}  [${oneLine(x.appName)}, ${x.sanction}]  ${x.reason}`);
  }
  return `${lines.join('\n')}\n`;
}
