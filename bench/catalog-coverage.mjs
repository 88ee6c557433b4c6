// How much of real telemetry the app catalog identifies: for each sample in ../shared/datasets, the share
// of transactions and of distinct hosts attributed to a catalog app (not "Unidentified"), and the
// unidentified hosts with the most transactions — the next real apps to add. Needs `npm run build` first.
// Usage: node bench/catalog-coverage.mjs [--write]   (--write appends the table to bench/RESULTS.md)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';

const DS = '../shared/datasets';
const SAMPLES = [
  ['Defender CSV (plaso, real tenant)', [`${DS}/plaso-m365-defender-advanced-hunting/advanced_hunting_test.csv`]],
  ['Defender Event Hub (elastic)', [`${DS}/elastic-integrations/m365_defender/test-device.log`]],
  [
    'Zeek ssl+dns (brim, WRCCDC 2018)',
    [`${DS}/brim-zed-sample-data/zeek-default/ssl.log.gz`, `${DS}/brim-zed-sample-data/zeek-default/dns.log.gz`],
  ],
  ['Zeek mixed JSON (OTRF apt29)', [`${DS}/otrf-security-datasets/apt29-day2-combined_zeek.log.gz`]],
  ['Squid (elastic)', [`${DS}/elastic-integrations/squid/test-access-extensive.log`]],
  ['Zscaler NSS (elastic)', [`${DS}/elastic-integrations/zscaler_zia/test-web.log`]],
  ['PAN-OS threat/URL (elastic)', [`${DS}/elastic-integrations/panw/test-panw-panos-threat-url-no-xff-sample.log`]],
  ['FortiGate (elastic)', [`${DS}/elastic-integrations/fortinet_fortigate/test-fortinet.log`]],
  ['Stratosphere 008 Zeek (GPL, read only)', [`${DS}/stratosphere-security-datasets-for-testing/008-zeek-mixed`]],
];

const LOCAL = 'Local and private networks';
const rows = [];
for (const [label, files] of SAMPLES) {
  const present = files.filter((f) => existsSync(f));
  if (present.length === 0) continue;
  const out = mkdtempSync(join(tmpdir(), 'cov-'));
  try {
    execFileSync('node', ['dist/node/analyze.mjs', ...present, '--out', out, '--quiet'], { stdio: 'pipe' });
  } catch (e) {
    rows.push({ label, error: String(e.stderr ?? e.message).split('\n')[0] });
    continue;
  }
  const apps = Papa.parse(readFileSync(join(out, 'apps.csv'), 'utf8'), { header: true, skipEmptyLines: true }).data;
  rmSync(out, { recursive: true, force: true });
  let tx = 0;
  let txId = 0;
  let hosts = 0;
  let hostsId = 0;
  // Transactions to local and private addresses and intranet names (one catalog entry of infrastructure noise since
  // s17): apart, so
  // that the shares say how much of the traffic to the internet the catalog names.
  let txLocal = 0;
  const unknown = [];
  for (const a of apps) {
    const t = Number(a.Transactions);
    if (a.App === LOCAL) {
      txLocal += t;
      continue;
    }
    const h = a.Domains ? a.Domains.split('; ').filter((d) => !/^[\d.:a-f]+$/i.test(d)) : [];
    tx += t;
    hosts += h.length;
    if (a.Category !== 'Unidentified') {
      txId += t;
      hostsId += h.length;
    } else if (h.length > 0) unknown.push([a.App, t]);
  }
  unknown.sort((x, y) => y[1] - x[1]);
  rows.push({ label, tx, txId, txLocal, hosts, hostsId, top: unknown.slice(0, 5).map(([n]) => n) });
}

const pct = (a, b) => (b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(1)}%`);
const lines = [
  '## Catalog coverage of real samples',
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} with \`node bench/catalog-coverage.mjs\` (catalog of ${JSON.parse(readFileSync('shared/catalog/data/webmail.json', 'utf8')).version}). Hosts are distinct hostnames (IP-only transactions count in transactions, not in hosts). Transactions to local and private addresses and to names only a local network resolves (the catalog's "${LOCAL}", infrastructure noise) are counted apart: the shares are of the rest.`,
  '',
  '| Sample | Transactions identified | Hosts identified | To local and private addresses | Top unidentified domains |',
  '| --- | --- | --- | --- | --- |',
  ...rows.map((r) =>
    r.error
      ? `| ${r.label} | error: ${r.error} | | | |`
      : `| ${r.label} | ${pct(r.txId, r.tx)} (${r.txId}/${r.tx}) | ${pct(r.hostsId, r.hosts)} (${r.hostsId}/${r.hosts}) | ${pct(r.txLocal, r.tx + r.txLocal)} (${r.txLocal}) | ${r.top.join(', ')} |`,
  ),
  '',
];
console.log(lines.join('\n'));
if (process.argv.includes('--write')) {
  const path = 'bench/RESULTS.md';
  const prev = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const cleaned = prev.replace(/## Catalog coverage of real samples[\s\S]*?(?=\n## |$)/, '').trimEnd();
  writeFileSync(path, `${cleaned}\n\n${lines.join('\n')}`);
}
