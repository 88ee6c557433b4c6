/**
 * The incident report: one self-contained HTML file (inline CSS, charts as
 * inline SVG, a CSP that forbids any fetch) an analyst attaches to a ticket or
 * prints to PDF. It covers one report and window, optionally centred on focus
 * devices: a summary in words and figures, unsanctioned usage, risky devices
 * with their reasons, risky and top apps, signals, the block lists generated
 * from the tag state, the imports the numbers rest on (file, SHA-256, rows)
 * and the settings in force. Unknown values print as "n/a", never as 0.
 *
 * For a focus on devices, pass `tables` computed for those devices' facts;
 * the report then lists the focus devices first and leads with their signals.
 */
import { displayScore, formatScore } from '../catalog/score';
import { MONITORED, UNSANCTIONED } from '../catalog/tags';
import { inScoreBand, SCORE_BANDS } from '../domain/score-bands';
import type { Settings } from '../domain/settings';
import { WEIGHT_LABELS } from '../domain/settings';
import type { AppRow, DeviceRow, Tables } from '../engine/query';
import { isoSecond } from '../formats/time';
import type { ImportFileRecord } from '../store/records';
import type { BlockPlan } from './block-plan';
import type { BarChartSvg } from './report-charts';
import type { SignalRow } from './reports';
import type { ExportStamp } from './types';

export interface IncidentReportInput {
  stamp: ExportStamp;
  /** Heading; defaults to "Cloud app usage and risk". */
  title?: string;
  /** The report the numbers come from: "Global report", a data source, a snapshot. */
  reportName: string;
  /** UTC ms, inclusive from, exclusive to; null = open. */
  window: { from: number | null; to: number | null };
  /** Device keys, names or ids the report is about. */
  focusDevices?: readonly string[];
  tables: Tables;
  signals: readonly SignalRow[];
  imports: readonly ImportFileRecord[];
  settings: Settings;
  catalogVersion?: string;
  /** The block plan of the same tag state, when block lists were generated with the report. */
  plan?: BlockPlan | null;
}

/** Rows printed per section; the evidence bundle's CSV files carry the rest. */
const LIMIT = { topApps: 15, riskyApps: 15, sanctioned: 50, devices: 50, signals: 200 };

const esc = (v: unknown): string =>
  String(v ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

const countFmt = new Intl.NumberFormat('en-US');
const count = (n: number | null | undefined) =>
  n === null || n === undefined || !Number.isFinite(n) ? 'n/a' : countFmt.format(n);

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return 'n/a';
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${Math.round(v)} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${UNITS[u]}`;
}

const time = (ms: number | null | undefined) =>
  ms === null || ms === undefined || !Number.isFinite(ms)
    ? 'n/a'
    : isoSecond(ms).replace('T', ' ').replace('Z', ' UTC');
const day = (ms: number | null | undefined) =>
  ms === null || ms === undefined || !Number.isFinite(ms) ? 'n/a' : isoSecond(ms).slice(0, 10);
const score = (s: number | null) => (s === null ? 'n/a' : formatScore(s));

const SEVERITY_RANK: Record<string, number> = { High: 3, Medium: 2, Low: 1, Informational: 0 };
const RISK_RANK: Record<string, number> = { High: 3, Medium: 2, Low: 1 };
const SEVERITY_COLOR: Record<string, string> = {
  High: '#c62828',
  Medium: '#e08a00',
  Low: '#2f6fb3',
  Informational: '#6b7280',
};

function pill(text: string, kind: string): string {
  return `<span class="pill ${esc(kind.toLowerCase())}">${esc(text)}</span>`;
}

function scoreCell(s: number | null, noData = false): string {
  if (s === null) return '<td class="num muted">n/a</td>';
  // Scored at the floor because the catalog knows nothing about the app: say so beside the number.
  if (noData)
    return `<td class="num"><span class="score nodata" title="No risk data in the catalog">${esc(score(s))} · no data</span></td>`;
  const band = s < 4 ? 'bad' : s < 7 ? 'warn' : 'good';
  return `<td class="num"><span class="score ${band}">${esc(score(s))}</span></td>`;
}

function tagsCell(tags: readonly string[]): string {
  if (tags.length === 0) return '<td class="muted">—</td>';
  return `<td>${tags.map((t) => pill(t, t === UNSANCTIONED ? 'high' : t === MONITORED ? 'medium' : 'tag')).join(' ')}</td>`;
}

function listCell(xs: readonly string[], max: number): string {
  if (xs.length === 0) return '<td class="muted">—</td>';
  const shown = xs.slice(0, max).map(esc).join(', ');
  return `<td class="list">${shown}${xs.length > max ? ` <span class="muted">+${xs.length - max} more</span>` : ''}</td>`;
}

function table(head: string[], rows: string[], numeric: ReadonlySet<number> = new Set()): string {
  const th = head.map((h, i) => `<th${numeric.has(i) ? ' class="num"' : ''}>${esc(h)}</th>`).join('');
  return `<div class="tw"><table><thead><tr>${th}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function more(shown: number, total: number, where: string): string {
  return total > shown
    ? `<p class="note">Showing ${count(shown)} of ${count(total)}; the rest are in ${esc(where)}.</p>`
    : '';
}

const isFocus = (d: DeviceRow, focus: ReadonlySet<string>) =>
  focus.has(d.key.toLowerCase()) ||
  focus.has(d.name.toLowerCase()) ||
  (d.deviceId !== null && focus.has(d.deviceId.toLowerCase()));

function appRow(a: AppRow, withDomains: boolean): string {
  return (
    `<tr><td><strong>${esc(a.name)}</strong></td><td>${esc(a.category)}</td>${scoreCell(a.score, a.noData)}${tagsCell(a.tags)}` +
    `<td class="num">${count(a.transactions)}</td><td class="num">${bytes(a.traffic)}</td><td class="num">${bytes(a.upload)}</td>` +
    `<td class="num">${count(a.users)}</td><td class="num">${count(a.devices)}</td>` +
    (withDomains ? `<td class="nowrap">${day(a.firstSeen)}<br>${day(a.lastSeen)}</td>${listCell(a.domains, 4)}` : '') +
    '</tr>'
  );
}

const APP_HEAD = ['App', 'Category', 'Score', 'Tags', 'Transactions', 'Traffic', 'Upload', 'Users', 'Devices'];
const APP_NUMERIC = new Set([2, 4, 5, 6, 7, 8]);

function settingsRows(s: Settings): string[] {
  const weights = (['general', 'security', 'compliance', 'legal'] as const)
    .map((g) => `${g[0].toUpperCase()}${g.slice(1)} ${WEIGHT_LABELS[s.groupWeights[g]] ?? s.groupWeights[g]}`)
    .join(', ');
  const overridden = Object.keys(s.attributeWeights).length;
  const t = s.thresholds;
  const rows: [string, string][] = [
    [
      'Block unsanctioned apps',
      s.blockUnsanctionedApps ? 'On — unsanctioned apps Block, monitored apps Warn' : 'Off — indicators are Audit only',
    ],
    ['Signal severity (sent to Defender for Endpoint)', s.signalSeverity],
    ['Warn bypass duration', `${s.warnBypassHours} h`],
    ['Endpoint integration', s.endpointIntegration ? 'On' : 'Off'],
    ['Unknown attribute values count against the score', s.unknownCountsAgainst ? 'Yes' : 'No'],
    ['Score group weights', weights],
    ['Attribute weights changed from default', overridden === 0 ? 'None' : `${overridden}`],
    [
      'Policy thresholds',
      `high volume ${bytes(t.highVolumeBytes)} or ${count(t.highVolumeTransactions)} transactions · high upload ${bytes(t.highUploadBytes)} · popular ${count(t.popularUsers)} users · risky score ≤ ${t.riskyScore}`,
    ],
    ['Anonymize user and device names', s.anonymize ? 'On' : 'Off'],
    ['Retention', s.retentionDays === null ? 'Keep everything' : `${s.retentionDays} days`],
  ];
  return rows.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(v)}</td></tr>`);
}

/**
 * The report as one HTML file. `barChartSvg` comes from `loadReportCharts()`: ECharts is loaded only
 * when a report is written (it is a third of the command line's start-up otherwise).
 */
export function incidentReportHtml(input: IncidentReportInput, barChartSvg: BarChartSvg): string {
  const { tables, settings } = input;
  const title = input.title ?? 'Cloud app usage and risk';
  const focus = new Set((input.focusDevices ?? []).map((d) => d.toLowerCase()));
  const s = tables.summary;
  const seen = tables.apps.filter((a) => a.transactions > 0);
  const hasBytes = seen.some((a) => a.traffic !== null);
  const business = seen.filter((a) => !a.noise);

  const sanctionRank = (a: AppRow) => (a.tags.includes(UNSANCTIONED) ? 0 : 1);
  const tagged = seen
    .filter((a) => a.tags.includes(UNSANCTIONED) || a.tags.includes(MONITORED))
    .sort((a, b) => sanctionRank(a) - sanctionRank(b) || b.transactions - a.transactions);
  const unsanctioned = tagged.filter((a) => a.tags.includes(UNSANCTIONED));

  const riskyLimit = settings.thresholds.riskyScore;
  const risky = business
    .filter((a) => a.score !== null && !a.noData && displayScore(a.score) <= riskyLimit)
    .sort((a, b) => (a.score ?? 0) - (b.score ?? 0) || b.transactions - a.transactions);

  const devices = tables.devices
    .filter((d) => (RISK_RANK[d.riskLevel ?? ''] ?? 0) > 0 || isFocus(d, focus))
    .sort(
      (a, b) =>
        Number(isFocus(b, focus)) - Number(isFocus(a, focus)) ||
        (RISK_RANK[b.riskLevel ?? ''] ?? 0) - (RISK_RANK[a.riskLevel ?? ''] ?? 0) ||
        b.transactions - a.transactions,
    );
  const highRisk = tables.devices.filter((d) => d.riskLevel === 'High').length;

  const focusEntity = (sig: SignalRow) => focus.has(sig.entity.toLowerCase());
  const signals = [...input.signals].sort(
    (a, b) =>
      Number(focusEntity(b)) - Number(focusEntity(a)) ||
      (SEVERITY_RANK[b.severity] ?? -1) - (SEVERITY_RANK[a.severity] ?? -1) ||
      b.time - a.time,
  );
  const bySeverity = ['High', 'Medium', 'Low', 'Informational'].map((sev) => ({
    sev,
    n: input.signals.filter((x) => x.severity === sev).length,
  }));

  // Summary in words: what a reader of the ticket needs before any table.
  const findings: string[] = [];
  findings.push(
    `${count(s.transactions)} transactions from ${count(s.devices)} device(s) and ${count(s.users)} user(s) to ${count(s.apps)} app(s)` +
      (s.firstEvent !== null ? `, ${time(s.firstEvent)} to ${time(s.lastEvent)}.` : '.'),
  );
  if (unsanctioned.length > 0) {
    const named = unsanctioned
      .slice(0, 5)
      .map(
        (a) => `<strong>${esc(a.name)}</strong> (${count(a.transactions)} transactions, ${count(a.devices)} device(s))`,
      )
      .join(', ');
    findings.push(
      `${unsanctioned.length} unsanctioned app(s) in use: ${named}${unsanctioned.length > 5 ? ', …' : ''}.`,
    );
  } else {
    findings.push('No unsanctioned app was used in this window.');
  }
  if (risky.length > 0)
    findings.push(`${risky.length} app(s) in use score ${riskyLimit} or below on the 0–10 risk score (10 safest).`);
  const noData = business.filter((a) => a.noData).length;
  if (noData > 0)
    findings.push(
      `${noData} app(s) in use have no risk data in the catalog (scored 0 until reviewed); they are left out of the risky apps below.`,
    );
  findings.push(
    highRisk > 0
      ? `${highRisk} device(s) rated <strong>High</strong> risk.`
      : tables.devices.some((d) => d.riskLevel !== null)
        ? 'No device is rated High risk.'
        : 'No device risk levels were computed for this report.',
  );
  findings.push(
    input.signals.length === 0
      ? 'No signals were raised.'
      : `${input.signals.length} signal(s): ${bySeverity
          .filter((x) => x.n > 0)
          .map((x) => `${x.n} ${x.sev}`)
          .join(', ')}.`,
  );

  const topMetric = (a: AppRow) => (hasBytes ? (a.traffic ?? 0) : a.transactions);
  const topChart = barChartSvg(
    [...business]
      .sort((a, b) => topMetric(b) - topMetric(a))
      .slice(0, 10)
      .map((a) => ({
        label: a.name,
        value: topMetric(a),
        color: a.tags.includes(UNSANCTIONED) ? '#c62828' : a.tags.includes(MONITORED) ? '#e08a00' : '#2563eb',
      })),
    { width: 560, height: 300, format: hasBytes ? bytes : count },
  );
  // The dashboard's bands (its App risk overview), with apps the catalog has no risk data on counted apart.
  const colors = ['#c62828', '#e08a00', '#2e7d32'];
  const bands = [
    ...SCORE_BANDS.map((b, i) => ({ label: b.label, value: 0, color: colors[i] })),
    { label: 'No catalog data', value: 0, color: '#9aa1ab' },
  ];
  for (const a of business) {
    if (a.score === null) continue;
    const i = a.noData ? 3 : SCORE_BANDS.findIndex((b) => inScoreBand(a.score, b));
    if (i >= 0) bands[i].value++;
  }
  const bandChart = business.some((a) => a.score !== null) ? barChartSvg(bands, { width: 340, height: 140 }) : null;
  const sevChart =
    input.signals.length > 0
      ? barChartSvg(
          bySeverity.map((x) => ({ label: x.sev, value: x.n, color: SEVERITY_COLOR[x.sev] })),
          { width: 340, height: 140 },
        )
      : null;
  const figure = (caption: string, svg: string | null, empty: string, cls = '') =>
    `<figure class="${cls}"><figcaption>${esc(caption)}</figcaption>${svg ?? `<p class="empty">${esc(empty)}</p>`}</figure>`;

  const kpi = (label: string, value: string, sub = '', tone = '') =>
    `<div class="kpi ${tone}"><div class="kpi-label">${esc(label)}</div><div class="kpi-value">${value}</div>${sub ? `<div class="kpi-sub">${sub}</div>` : ''}</div>`;

  const windowText =
    input.window.from === null && input.window.to === null
      ? s.firstEvent === null
        ? 'all data'
        : `all data (${day(s.firstEvent)} → ${day(s.lastEvent)})`
      : `${input.window.from === null ? 'start' : time(input.window.from)} → ${input.window.to === null ? 'end' : time(input.window.to)}`;

  const sections: string[] = [];

  sections.push(`<section class="summary">
<h2>Summary</h2>
<div class="kpis">
${kpi('Transactions', count(s.transactions))}
${kpi('Traffic', bytes(s.traffic), `↑ ${bytes(s.upload)} · ↓ ${bytes(s.download)}`)}
${kpi('Apps', count(s.apps), `${unsanctioned.length} unsanctioned in use`, unsanctioned.length > 0 ? 'alert' : '')}
${kpi('Devices', count(s.devices), `${highRisk} at high risk`, highRisk > 0 ? 'alert' : '')}
${kpi('Users', count(s.users))}
${kpi('IP addresses', count(s.ips))}
${kpi('Signals', count(input.signals.length), bySeverity[0].n > 0 ? `${bySeverity[0].n} high` : '', bySeverity[0].n > 0 ? 'alert' : '')}
</div>
<ul class="findings">${findings.map((f) => `<li>${f}</li>`).join('')}</ul>
<div class="charts">
${figure(hasBytes ? 'Top apps by traffic' : 'Top apps by transactions', topChart, 'No app traffic in this window.', 'wide')}
${figure('Apps in use by risk score', bandChart, 'No scored app in use.')}
${figure('Signals by severity', sevChart, 'No signals raised.')}
</div>
${!hasBytes && seen.length > 0 ? '<p class="note">The sources behind this report record no byte counts (endpoint network events carry none), so traffic shows n/a and apps are ranked by transactions.</p>' : ''}
</section>`);

  sections.push(`<section>
<h2>Unsanctioned and monitored apps in use</h2>
${
  tagged.length === 0
    ? '<p class="empty">No app tagged Unsanctioned or Monitored was used in this window.</p>'
    : table(
        [...APP_HEAD, 'Seen', 'Domains'],
        tagged.slice(0, LIMIT.sanctioned).map((a) => appRow(a, true)),
        APP_NUMERIC,
      ) + more(Math.min(LIMIT.sanctioned, tagged.length), tagged.length, 'apps.csv')
}
</section>`);

  sections.push(`<section>
<h2>${focus.size > 0 ? 'Focus devices and risky devices' : 'Risky devices'}</h2>
${
  devices.length === 0
    ? `<p class="empty">${tables.devices.some((d) => d.riskLevel !== null) ? 'No device is rated Low, Medium or High risk in this window.' : 'No device risk levels were computed for this report.'}</p>`
    : table(
        ['Device', 'Device ID', 'Risk level', 'Transactions', 'Traffic', 'Apps', 'Users', 'Last seen', 'Reasons'],
        devices
          .slice(0, LIMIT.devices)
          .map(
            (d) =>
              `<tr${isFocus(d, focus) ? ' class="focus"' : ''}><td><strong>${esc(d.name)}</strong>${isFocus(d, focus) ? ` ${pill('Focus', 'tag')}` : ''}</td>` +
              `<td class="mono">${esc(d.deviceId ?? '—')}</td><td>${d.riskLevel ? pill(d.riskLevel, d.riskLevel) : '<span class="muted">n/a</span>'}</td>` +
              `<td class="num">${count(d.transactions)}</td><td class="num">${bytes(d.traffic)}</td><td class="num">${count(d.apps)}</td>` +
              `<td class="num">${count(d.users)}</td><td class="nowrap">${time(d.lastSeen)}</td>` +
              (d.reasons.length
                ? `<td><ul class="reasons">${d.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul></td>`
                : '<td class="muted">—</td>') +
              '</tr>',
          ),
        new Set([3, 4, 5, 6]),
      ) + more(Math.min(LIMIT.devices, devices.length), devices.length, 'devices.csv')
}
</section>`);

  sections.push(`<section>
<h2>Signals</h2>
${
  signals.length === 0
    ? '<p class="empty">No signals were raised in this window.</p>'
    : table(
        ['Time', 'Severity', 'Type', 'Entity', 'App', 'Description'],
        signals
          .slice(0, LIMIT.signals)
          .map(
            (x) =>
              `<tr><td class="nowrap">${time(x.time)}</td><td>${pill(x.severity, x.severity)}</td><td>${esc(x.type)}</td>` +
              `<td>${esc(x.entity)}</td><td>${esc(x.app)}</td><td>${esc(x.description)}</td></tr>`,
          ),
      ) + more(Math.min(LIMIT.signals, signals.length), signals.length, 'signals.csv')
}
</section>`);

  sections.push(`<section>
<h2>Risky apps in use <span class="h-note">score ≤ ${esc(riskyLimit)}</span></h2>
${
  risky.length === 0
    ? `<p class="empty">No app in use scores ${esc(riskyLimit)} or below.</p>`
    : table(
        APP_HEAD,
        risky.slice(0, LIMIT.riskyApps).map((a) => appRow(a, false)),
        APP_NUMERIC,
      ) + more(Math.min(LIMIT.riskyApps, risky.length), risky.length, 'apps.csv')
}
</section>`);

  const top = [...business].sort((a, b) => topMetric(b) - topMetric(a) || b.transactions - a.transactions);
  sections.push(`<section>
<h2>Top apps <span class="h-note">by ${hasBytes ? 'traffic' : 'transactions'}; infrastructure noise left out</span></h2>
${
  top.length === 0
    ? '<p class="empty">No app traffic in this window.</p>'
    : table(
        APP_HEAD,
        top.slice(0, LIMIT.topApps).map((a) => appRow(a, false)),
        APP_NUMERIC,
      ) + more(Math.min(LIMIT.topApps, top.length), top.length, 'apps.csv')
}
</section>`);

  if (input.plan) {
    const p = input.plan;
    const blocks = p.entries.filter((e) => e.sanction === UNSANCTIONED).length;
    sections.push(`<section>
<h2>Block lists from this tag state</h2>
<p>Tag state <span class="mono">${esc(p.tagState.fingerprint)}</span>: ${p.tagState.unsanctioned.length} unsanctioned, ${p.tagState.monitored.length} monitored, ${p.tagState.sanctioned} sanctioned app(s).
${count(blocks)} domain(s) to block and ${count(p.entries.length - blocks)} to warn on (Defender indicators: ${settings.blockUnsanctionedApps ? 'Block and Warn' : 'Audit only'}); ${count(p.excluded.length)} left out.</p>
${
  p.excluded.length === 0
    ? ''
    : table(
        ['Domain', 'App', 'Why it was left out'],
        p.excluded
          .slice(0, 30)
          .map(
            (x) => `<tr><td class="mono">${esc(x.domain)}</td><td>${esc(x.appName)}</td><td>${esc(x.reason)}</td></tr>`,
          ),
      ) + more(Math.min(30, p.excluded.length), p.excluded.length, 'indicators-notes.txt')
}
</section>`);
  }

  sections.push(`<section>
<h2>Data this report rests on</h2>
${
  input.imports.length === 0
    ? '<p class="empty">No imports.</p>'
    : table(
        ['File', 'Format', 'SHA-256', 'Rows read', 'Accepted', 'Skipped', 'Rejected', 'Events from', 'Events to'],
        input.imports.map(
          (f) =>
            `<tr><td><strong>${esc(f.file)}</strong>${f.alreadyImported ? ' <span class="muted">(already imported)</span>' : ''}${f.error ? `<div class="error">${esc(f.error)}</div>` : ''}</td>` +
            `<td>${esc(f.format)}</td><td class="hash">${esc(f.sha256)}</td><td class="num">${count(f.rowsRead)}</td>` +
            `<td class="num">${count(f.rowsAccepted)}</td><td class="num">${count(f.rowsSkipped)}</td><td class="num">${count(f.rowsRejected)}</td>` +
            `<td class="nowrap">${time(f.firstEvent)}</td><td class="nowrap">${time(f.lastEvent)}</td></tr>`,
        ),
        new Set([3, 4, 5, 6]),
      )
}
</section>`);

  sections.push(`<section>
<h2>Settings in force</h2>
<table class="kv"><tbody>${settingsRows(settings).join('')}</tbody></table>
</section>`);

  const meta = [
    ['Report', esc(input.reportName)],
    ['Window', esc(windowText)],
    ['Generated', esc(time(input.stamp.generatedAt))],
    ...(focus.size > 0 ? [['Focus devices', esc([...(input.focusDevices ?? [])].join(', '))]] : []),
  ];

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="${esc(input.stamp.generator)}">
<title>${esc(title)} — ${esc(input.reportName)}</title>
<style>${CSS}</style>
</head>
<body>
<header class="band">
<div class="brand">${esc(input.stamp.generator)} · Incident report</div>
<h1>${esc(title)}</h1>
<dl class="meta">${meta.map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`).join('')}</dl>
</header>
<main>
${sections.join('\n')}
</main>
<footer>Generated by ${esc(input.stamp.generator)} at ${esc(time(input.stamp.generatedAt))}${input.catalogVersion ? ` · app catalog ${esc(input.catalogVersion)}` : ''} · times in UTC · “n/a” marks what the sources cannot say.</footer>
</body>
</html>
`;
}

const CSS = `
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0;font:13px/1.45 "Segoe UI","Helvetica Neue",Arial,sans-serif;color:#1f2937;background:#f4f5f7}
.band{background:#14213d;color:#fff;padding:22px 32px 18px}
.brand{font-size:11px;letter-spacing:.08em;text-transform:uppercase;color:#9fb3d9}
h1{margin:4px 0 10px;font-size:22px;font-weight:600}
.meta{display:flex;flex-wrap:wrap;gap:6px 28px;margin:0}
.meta div{display:flex;gap:6px}.meta dt{color:#9fb3d9}.meta dd{margin:0}
main{max-width:1080px;margin:0 auto;padding:8px 32px 16px}
section{background:#fff;border:1px solid #e3e6eb;border-radius:6px;padding:14px 18px 12px;margin:14px 0}
h2{font-size:15px;margin:0 0 10px;color:#14213d;break-after:avoid}
.h-note{font-size:11px;font-weight:400;color:#6b7280;margin-left:6px}
.kpis{display:grid;grid-template-columns:repeat(7,1fr);gap:8px;margin-bottom:10px}
.kpi{border:1px solid #e3e6eb;border-radius:5px;padding:8px 10px;background:#fafbfc}
.kpi.alert{border-color:#f0b7b7;background:#fff5f5}
.kpi-label{font-size:10px;text-transform:uppercase;letter-spacing:.05em;color:#6b7280}
.kpi-value{font-size:18px;font-weight:600;color:#14213d}
.kpi.alert .kpi-value{color:#b71c1c}
.kpi-sub{font-size:10.5px;color:#6b7280}
.findings{margin:6px 0 10px 18px;padding:0}.findings li{margin:2px 0}
.charts{display:grid;grid-template-columns:1.6fr 1fr;grid-template-rows:auto auto;gap:8px 16px}
.charts figure.wide{grid-row:span 2}
figure{margin:0;border:1px solid #eef0f3;border-radius:5px;padding:6px 8px;break-inside:avoid}
figcaption{font-size:11px;font-weight:600;color:#3b4452;margin-bottom:2px}
figure svg{display:block;max-width:100%;height:auto}
.tw{overflow-x:auto}
table{width:100%;border-collapse:collapse;font-size:12px}
thead{display:table-header-group}
th{text-align:left;font-weight:600;color:#3b4452;background:#f3f5f8;border-bottom:1px solid #d9dde3;padding:5px 6px;white-space:nowrap}
td{padding:4px 6px;border-bottom:1px solid #eef0f3;vertical-align:top}
tbody tr:nth-child(even) td{background:#fafbfc}
tr{break-inside:avoid}
tr.focus td{background:#fffbea!important}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.nowrap{white-space:nowrap}
.mono,.hash{font-family:Consolas,"DejaVu Sans Mono",monospace;font-size:.92em}
.hash{word-break:break-all;max-width:230px}
.list{min-width:150px;max-width:260px;overflow-wrap:anywhere;font-size:11.5px}
.muted{color:#9aa1ab}
.note{font-size:11px;color:#6b7280;margin:6px 0 0}
.empty{color:#6b7280;font-style:italic;margin:4px 0}
.error{color:#b71c1c;font-size:11px}
.pill{display:inline-block;padding:0 7px;border-radius:9px;font-size:10.5px;font-weight:600;line-height:17px;white-space:nowrap;background:#eef0f3;color:#3b4452}
.pill.high{background:#fde7e7;color:#b71c1c}
.pill.medium{background:#fff1d6;color:#8a5300}
.pill.low{background:#e3eefa;color:#1d4f8c}
.pill.informational{background:#eef0f3;color:#4b5563}
.pill.tag{background:#e8eaf6;color:#303f9f}
.score{display:inline-block;min-width:30px;text-align:center;border-radius:4px;padding:0 4px;font-weight:600}
.score.nodata{background:#eef0f3;color:#6b7280;font-weight:400;font-size:10.5px}
.score.bad{background:#fde7e7;color:#b71c1c}.score.warn{background:#fff1d6;color:#8a5300}.score.good{background:#e6f4ea;color:#1e6b34}
.reasons{margin:0;padding-left:16px}
.kv th{width:34%;background:#fafbfc;white-space:normal}
footer{max-width:1080px;margin:0 auto;padding:4px 32px 28px;font-size:11px;color:#6b7280}
@media screen and (max-width:900px){
.kpis{grid-template-columns:repeat(4,1fr)}
.charts{grid-template-columns:1fr}
.charts figure.wide{grid-row:auto}
main,.band,footer{padding-left:14px;padding-right:14px}
}
@page{size:A4;margin:12mm 10mm}
@media print{
.tw{overflow:visible}
body{background:#fff;font-size:11px}
.band{padding:14px 18px}
main{padding:0 4px;max-width:none}
section{border:none;padding:6px 0;margin:10px 0;break-inside:auto}
.kpis{grid-template-columns:repeat(4,1fr)}
table{font-size:10px}
th,td{padding:3px 4px}
.list{min-width:120px;font-size:9.5px}
footer{padding:4px}
}
`;
