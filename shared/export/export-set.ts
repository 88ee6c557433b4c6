/**
 * Several exports in one call, from one block plan: what `analyze --export`
 * writes under `<out>/exports/`, and what the engine worker can hand the UI for
 * a one-click export. Plain data in, named files out.
 */
import type { ScoreOverride, Scorer } from '../catalog/score';
import type { TagState } from '../catalog/tags';
import type { Catalog } from '../catalog/types';
import type { Settings } from '../domain/settings';
import type { Tables } from '../engine/query';
import type { ImportFileRecord } from '../store/records';
import type { AuditEntry } from './audit-log';
import { type BlockPlan, collapseDomains, planBlocking } from './block-plan';
import { blueCoatCpl, domainList, pacFile, squidAcl } from './block-scripts';
import { evidenceBundle } from './evidence-bundle';
import { incidentReportHtml } from './incident-report';
import { exclusionSummary, indicatorFiles } from './indicator-csv';
import type { SignalRow } from './reports';
import type { ExportFile, ExportStamp } from './types';

export const EXPORT_KINDS = ['indicators', 'bluecoat', 'squid', 'pac', 'domains', 'report', 'bundle'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

/** Reads `indicators,bluecoat,…` (or `all`); throws with the known kinds on anything else. */
export function parseExportKinds(text: string): ExportKind[] {
  const out = new Set<ExportKind>();
  for (const raw of text.split(',')) {
    const k = raw.trim().toLowerCase();
    if (!k) continue;
    if (k === 'all') for (const x of EXPORT_KINDS) out.add(x);
    else if ((EXPORT_KINDS as readonly string[]).includes(k)) out.add(k as ExportKind);
    else throw new Error(`unknown export "${raw.trim()}"; known: ${EXPORT_KINDS.join(', ')}, all`);
  }
  return [...out];
}

export interface ExportSetInput {
  kinds: readonly ExportKind[];
  stamp: ExportStamp;
  catalog: Catalog;
  tags: TagState;
  tables: Tables;
  signals: readonly SignalRow[];
  imports: readonly ImportFileRecord[];
  settings: Settings;
  scorer?: Scorer;
  overrides?: Readonly<Record<string, ScoreOverride>>;
  reportName: string;
  window: { from: number | null; to: number | null };
  focusDevices?: readonly string[];
  audit?: readonly AuditEntry[];
  /** Defender indicator expiry, UTC ms. */
  expiresAt?: number | null;
}

export interface ExportSet {
  files: ExportFile[];
  plan: BlockPlan;
  /** One line per export, for a command line or a notification. */
  summary: string[];
}

/** Builds the exports asked for; ECharts (for the report's charts) is loaded only when a report is among them. */
export async function buildExports(input: ExportSetInput): Promise<ExportSet> {
  const kinds = new Set(input.kinds);
  const plan = planBlocking({
    catalog: input.catalog,
    tags: input.tags,
    apps: input.tables.apps,
    scorer: input.scorer,
    overrides: input.overrides,
  });
  const files: ExportFile[] = [];
  const summary: string[] = [];
  const blocks = plan.entries.filter((e) => e.sanction === 'Unsanctioned').length;

  if (kinds.has('indicators')) {
    const ind = indicatorFiles(plan, { settings: input.settings, stamp: input.stamp, expiresAt: input.expiresAt });
    files.push(...ind);
    const csvs = ind.filter((f) => f.name.endsWith('.csv')).length;
    const warnOrAudit = plan.entries.length - blocks;
    summary.push(
      `Defender indicators: ${plan.entries.length} in ${csvs} file(s) (` +
        (input.settings.blockUnsanctionedApps
          ? `${blocks} Block, ${warnOrAudit} Warn`
          : `${plan.entries.length} Audit`) +
        `); ${exclusionSummary(plan)} — see indicators-notes.txt`,
    );
  }
  const scripts: [ExportKind, (p: BlockPlan, s: ExportStamp) => ExportFile][] = [
    ['bluecoat', blueCoatCpl],
    ['squid', squidAcl],
    ['pac', pacFile],
    ['domains', domainList],
  ];
  const written: ExportFile[] = [];
  for (const [kind, write] of scripts) {
    if (!kinds.has(kind)) continue;
    const f = write(plan, input.stamp);
    written.push(f);
    files.push(f);
  }
  if (written.length > 0) {
    const folded = collapseDomains(
      plan.entries.filter((e) => e.sanction === 'Unsanctioned').map((e) => e.domain),
    ).length;
    summary.push(
      `Block scripts (${written.map((f) => f.name).join(', ')}): ${blocks} domain(s) of unsanctioned apps` +
        (folded < blocks ? ` (${folded} once subdomains fold into their parents, for the proxy and PAC rules)` : ''),
    );
  }

  if (kinds.has('report') || kinds.has('bundle')) {
    const { barChartSvg } = await import('./report-charts');
    const html = incidentReportHtml(
      {
        stamp: input.stamp,
        reportName: input.reportName,
        window: input.window,
        focusDevices: input.focusDevices,
        tables: input.tables,
        signals: input.signals,
        imports: input.imports,
        settings: input.settings,
        catalogVersion: input.catalog.version,
        plan,
      },
      barChartSvg,
    );
    if (kinds.has('report')) {
      files.push({ name: 'report.html', mime: 'text/html', content: html });
      summary.push('Incident report: report.html');
    }
    if (kinds.has('bundle')) {
      const zip = evidenceBundle({
        stamp: input.stamp,
        reportHtml: html,
        tables: input.tables,
        signals: input.signals,
        imports: input.imports,
        audit: input.audit ?? [],
        settings: input.settings,
        extra: files.filter((f) => f.name !== 'report.html'),
      });
      files.push({ name: 'evidence.zip', mime: 'application/zip', content: zip });
      summary.push(`Evidence bundle: evidence.zip (${Math.ceil(zip.length / 1024)} KB)`);
    }
  }
  return { files, plan, summary };
}
