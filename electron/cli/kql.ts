/**
 * `npm run kql -- --days 30 [options]`: the KQL that lets advanced hunting (or a
 * Sentinel workspace) aggregate DeviceNetworkEvents into Cloudscope's hourly
 * facts. First the counting query; given its exported result (`--counts`), one
 * query per slice, each sized to stay under the portal's row cap.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseIsoTime } from '../../shared/formats/time';
import { KQL_APPROXIMATIONS, kqlPlan, parseCountsCsv, TARGETS, WHERE_TO_RUN } from '../../shared/kql/index';

export interface KqlArgs {
  days: number;
  end?: number;
  devices: string[];
  sentinel: boolean;
  slices?: number;
  rowsPerSlice?: number;
  counts?: string;
  out?: string;
}

export class UsageError extends Error {}

export function helpText(): string {
  const ah = TARGETS['advanced-hunting'];
  const se = TARGETS.sentinel;
  return `Usage: npm run kql -- [--days N] [options]

Writes KQL that aggregates DeviceNetworkEvents into Cloudscope's hourly facts inside
Kusto, for fleets too large to export event by event.

  1. npm run kql -- --days 30 > counting.kql      run it, export the result as counts.csv
  2. npm run kql -- --counts counts.csv --out q/  one query per slice; run each, export CSV
  3. npm run analyze -- slice-*.csv --out report/ (or import the files in the app)

Options:
  --days N              whole UTC days before --end (default 30)
  --end <date>          end of the window, exclusive (default: today 00:00 UTC)
  --devices <patterns>  comma-separated DeviceName patterns: name, prefix*, *suffix, *part*
                        (a 40-hex-digit pattern matches DeviceId); repeatable
  --sentinel            the Sentinel / Log Analytics variant (TimeGenerated) instead of
                        Advanced hunting (Timestamp)
  --counts <csv>        the counting query's exported result: plan the slices from it
  --slices N            without counts: N slices of equal time (or device shares)
  --rows-per-slice N    facts per slice to aim at (default ${ah.defaultRowsPerSlice.toLocaleString('en-US')} for Advanced hunting,
                        cap ${ah.rowCap.toLocaleString('en-US')}; ${se.defaultRowsPerSlice.toLocaleString('en-US')} for Sentinel, cap ${se.rowCap.toLocaleString('en-US')})
  --out <dir>           write counting.kql and slice-NN-of-MM.kql there instead of stdout
  --help                this text

${WHERE_TO_RUN}
`;
}

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} needs a whole number of 1 or more, not "${v}"`);
  return n;
}

export function parseKqlArgs(argv: string[]): KqlArgs | 'help' {
  const a: KqlArgs = { days: 30, devices: [], sentinel: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--help':
      case '-h':
        return 'help';
      case '--days':
        a.days = positiveInt(arg, next());
        break;
      case '--end': {
        const v = next();
        const t = parseIsoTime(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v, 'UTC');
        if (Number.isNaN(t)) throw new UsageError(`--end: cannot read "${v}" as a date (use 2026-10-01)`);
        a.end = t;
        break;
      }
      case '--devices':
        a.devices.push(...next().split(','));
        break;
      case '--sentinel':
        a.sentinel = true;
        break;
      case '--slices':
        a.slices = positiveInt(arg, next());
        break;
      case '--rows-per-slice':
        a.rowsPerSlice = positiveInt(arg, next());
        break;
      case '--counts':
        a.counts = next();
        break;
      case '--out':
        a.out = next();
        break;
      default:
        throw new UsageError(`Unknown option ${arg} (see --help)`);
    }
  }
  if (a.slices !== undefined && a.rowsPerSlice !== undefined) {
    throw new UsageError('Give --slices or --rows-per-slice, not both');
  }
  if (a.slices !== undefined && a.counts !== undefined) {
    throw new UsageError('--slices plans without counts; with --counts the slices are sized from the counts');
  }
  return a;
}

export interface KqlOutcome {
  /** The queries (empty when written to --out). */
  stdout: string;
  /** Guidance and warnings. */
  stderr: string;
  files: string[];
}

export async function runKql(a: KqlArgs, now: number = Date.now()): Promise<KqlOutcome> {
  const target = a.sentinel ? 'sentinel' : 'advanced-hunting';
  const notes: string[] = [];
  let counts: ReturnType<typeof parseCountsCsv> | undefined;
  if (a.counts) {
    let text: string;
    try {
      text = await readFile(a.counts, 'utf8');
    } catch (e) {
      throw new UsageError(`--counts ${a.counts}: ${(e as Error).message}`);
    }
    try {
      counts = parseCountsCsv(text);
    } catch (e) {
      throw new UsageError(`--counts ${a.counts}: ${(e as Error).message}`);
    }
    if (counts.counts.length === 0) throw new UsageError(`--counts ${a.counts}: no day could be read`);
    for (const p of counts.problems.slice(0, 20)) notes.push(`counts: ${p}`);
  }
  let plan: ReturnType<typeof kqlPlan>;
  try {
    plan = kqlPlan({
      target,
      devices: a.devices,
      days: a.days,
      end: a.end ?? now,
      counts: counts?.counts,
      slices: a.slices,
      rowsPerSlice: a.rowsPerSlice,
      now,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  notes.push(...plan.warnings);
  const files: string[] = [];
  let stdout = '';
  const pad = (n: number) => String(n).padStart(String(plan.slices.length).length, '0');
  if (a.out) await mkdir(a.out, { recursive: true });
  if (plan.slices.length === 0) {
    if (a.out) {
      const f = join(a.out, 'counting.kql');
      await writeFile(f, `${plan.counting}\n`);
      files.push(f);
    } else stdout = `${plan.counting}\n`;
    notes.push(
      'Next: run this counting query, export its result as CSV, then: npm run kql -- --counts <that.csv>' +
        `${a.devices.length > 0 ? ` --devices ${a.devices.join(',')}` : ''}${a.sentinel ? ' --sentinel' : ''} --out <dir>`,
    );
  } else {
    const total = plan.slices.length;
    const expected = plan.slices.reduce((n, s) => n + (s.slice.expectedFacts ?? 0), 0);
    const parts: string[] = [];
    for (const { slice, query } of plan.slices) {
      if (a.out) {
        const f = join(a.out, `slice-${pad(slice.index)}-of-${total}.kql`);
        await writeFile(f, `${query}\n`);
        files.push(f);
      } else parts.push(query);
    }
    stdout = parts.length > 0 ? `${parts.join('\n\n')}\n` : '';
    notes.push(
      `${total} slice quer${total === 1 ? 'y' : 'ies'} for ${new Date(plan.from).toISOString().slice(0, 10)} to ${new Date(plan.to - 1).toISOString().slice(0, 10)}` +
        (expected > 0 ? `, about ${expected.toLocaleString('en-US')} facts in all` : '') +
        `. Run each, export its result (CSV), and import all the files into one data source.`,
      'Where the query can only approximate the importer:',
      ...KQL_APPROXIMATIONS.map((x) => `  - ${x}`),
    );
  }
  if (files.length > 0) notes.unshift(`Wrote ${files.length} file(s) to ${resolve(a.out as string)}`);
  return { stdout, stderr: `${notes.join('\n')}\n`, files };
}

async function main(): Promise<void> {
  try {
    const args = parseKqlArgs(process.argv.slice(2));
    if (args === 'help') {
      process.stdout.write(helpText());
      return;
    }
    const r = await runKql(args);
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
  } catch (e) {
    process.stderr.write(`kql: ${(e as Error).message}\n`);
    process.exitCode = e instanceof UsageError ? 64 : 1;
  }
}

if (process.argv[1] && /kql\.(m?js|ts)$/.test(process.argv[1])) void main();
