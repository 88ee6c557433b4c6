/**
 * `npm run analyze -- <file|folder>... --out <dir> [options]`: the engine in
 * Node, over fake-indexeddb, writing report files. Everything it imports in
 * one run forms one data source (continuous unless --snapshot), and the
 * reports cover all of it unless --from/--to narrow the window.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { BUILTIN_CATALOG } from '../../shared/catalog/builtin';
import { loadCatalog } from '../../shared/catalog/loader';
import { createMatcher } from '../../shared/catalog/matcher';
import { createScorer } from '../../shared/catalog/score';
import type { TagState } from '../../shared/catalog/tags';
import { normalizeSettings, type Settings } from '../../shared/domain/settings';
import { PARALLEL_MIN_BYTES, runImport } from '../../shared/engine/import';
import type { JobProgress } from '../../shared/engine/job';
import { previewFile } from '../../shared/engine/preview';
import { computeTables } from '../../shared/engine/query';
import { reportOfSource } from '../../shared/engine/reports';
import { applyRisk, levelCounts, type RiskRun, type RiskRunOptions, runRisk } from '../../shared/engine/risk-report';
import type { WorkingSet } from '../../shared/engine/working-set';
import { tagAuditRecords } from '../../shared/export/audit-log';
import { buildExports, type ExportKind, parseExportKinds } from '../../shared/export/export-set';
import {
  appsCsv,
  devicesCsv,
  importsJson,
  ipsCsv,
  type SignalRow,
  signalsCsv,
  summaryJson,
  usersCsv,
} from '../../shared/export/reports';
import { CsvKernel } from '../../shared/formats/csv-kernel';
import { CUSTOM_FIELDS, columnIndex } from '../../shared/formats/custom-csv';
import type { ScanChannel } from '../../shared/formats/defender-parts';
import { registerBuiltinFormats } from '../../shared/formats/index';
import { allFormats, formatById } from '../../shared/formats/registry';
import { isValidTimeZone, parseIsoTime } from '../../shared/formats/time';
import type { CustomMapping } from '../../shared/formats/types';
import type { DataSourceRecord } from '../../shared/store/records';
import { fileStream, readHead } from './file-stream';
import { nodePartDecoder } from './part-decoder';
import { defaultScanThreads, nodeScanChannels } from './scan-channels';
import { dropScratchDb, moveFactsToWorkingSet, openScratchDb } from './scratch-store';
import { readTagsFile, TagsFileError } from './tags-file';

export interface AnalyzeArgs {
  inputs: string[];
  out: string;
  source?: string;
  snapshot: boolean;
  format?: string;
  /** Columns of a custom CSV by field (`--map`): the files are read as custom-csv with exactly these. */
  map?: CustomMapping['columns'];
  tz: string;
  /** How dates like 05/10/2026 read (default: as each file's first rows show). */
  dateOrder?: 'dmy' | 'mdy';
  from?: number;
  to?: number;
  settingsFile?: string;
  /** `App,Tag` rows applied before the reports are computed. */
  tagsFile?: string;
  /** Block lists and reports written under `<out>/exports/`. */
  exports?: ExportKind[];
  /** Scan worker threads for large Defender CSV files (0: read on the main thread). */
  threads?: number;
  quiet: boolean;
}

export class UsageError extends Error {}

function helpText(): string {
  registerBuiltinFormats();
  const formats = allFormats()
    .map((f) => `  ${f.id.padEnd(18)} ${f.label}`)
    .join('\n');
  return `Usage: npm run analyze -- <file|folder>... --out <dir> [options]

Imports telemetry files (formats detected from content; .gz and .zip too) and writes
apps.csv, devices.csv, users.csv, ips.csv, signals.csv, imports.json and summary.json.

Options:
  --out <dir>         where to write the reports (created if missing)
  --source <name>     name of the data source the files form (default: from the format)
  --snapshot          import as a snapshot report (never raises signals)
  --format <id>       force a format instead of detecting it (ids below); custom-csv reads
                      any CSV with a header by the columns its names suggest
  --map <f=col,...>   read the files as a custom CSV with exactly these columns, e.g.
                      --map time=when,localIp=src,host=dest_host (fields below)
  --tz <zone>         IANA time zone for logs that record local time (default UTC)
  --date-order <o>    dmy or mdy: how dates like 05/10/2026 read (default: day first when
                      a file's first rows show it, else month first)
  --from <time>       report window start (ISO 8601, e.g. 2026-10-01 or 2026-10-01T08:00Z)
  --to <time>         report window end (exclusive)
  --settings <file>   settings JSON (same keys as the app's settings)
  --tags <tags.csv>   app tags, header App,Tag (App: app name or domain; Tag: Sanctioned,
                      Unsanctioned, Monitored or a custom tag; later rows win)
  --export <kinds>    comma-separated, written under <out>/exports/: indicators (Defender for
                      Endpoint indicators-001.csv…), bluecoat, squid, pac, domains, report
                      (report.html), bundle (evidence.zip), or all
  --threads <n>       worker threads that help read large Defender CSV files (default: one
                      per core but one, at least 1, at most 4; 0: the main thread reads
                      alone); the reports are the same either way
  --quiet             no progress on stderr
  --help              this text

Format ids:
${formats}

Fields for --map: ${CUSTOM_FIELDS.join(', ')}
`;
}

function parseTime(flag: string, v: string | undefined): number {
  if (!v) throw new UsageError(`${flag} needs a time, e.g. 2026-10-01 or 2026-10-01T08:00:00Z`);
  const t = parseIsoTime(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v, 'UTC');
  if (Number.isNaN(t))
    throw new UsageError(`${flag}: cannot read "${v}" as a time (use ISO 8601, e.g. 2026-10-01T08:00:00Z)`);
  return t;
}

export function parseArgs(argv: string[]): AnalyzeArgs | 'help' {
  const a: AnalyzeArgs = { inputs: [], out: '', snapshot: false, tz: 'UTC', quiet: false };
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
      case '--out':
        a.out = next();
        break;
      case '--source':
        a.source = next();
        break;
      case '--snapshot':
        a.snapshot = true;
        break;
      case '--format':
        a.format = next();
        break;
      case '--map':
        a.map = parseMap(next());
        break;
      case '--tz':
        a.tz = next();
        break;
      case '--date-order': {
        const v = next();
        if (v !== 'dmy' && v !== 'mdy') throw new UsageError(`--date-order: "${v}" is neither dmy nor mdy`);
        a.dateOrder = v;
        break;
      }
      case '--from':
        a.from = parseTime(arg, next());
        break;
      case '--to':
        a.to = parseTime(arg, next());
        break;
      case '--settings':
        a.settingsFile = next();
        break;
      case '--tags':
        a.tagsFile = next();
        break;
      case '--export':
        try {
          a.exports = parseExportKinds(next());
        } catch (e) {
          throw new UsageError(`--export: ${(e as Error).message}`);
        }
        break;
      case '--threads': {
        const v = next();
        if (!/^\d+$/.test(v) || Number(v) > 64) throw new UsageError(`--threads: "${v}" is not a number from 0 to 64`);
        a.threads = Number(v);
        break;
      }
      case '--quiet':
        a.quiet = true;
        break;
      default:
        if (arg.startsWith('--')) throw new UsageError(`Unknown option ${arg} (see --help)`);
        a.inputs.push(arg);
    }
  }
  if (a.inputs.length === 0) throw new UsageError('Give at least one file or folder to analyze (see --help)');
  if (!a.out) throw new UsageError('--out <dir> is required: where to write the reports');
  if (!isValidTimeZone(a.tz)) throw new UsageError(`--tz: "${a.tz}" is not an IANA time zone (e.g. Europe/Berlin)`);
  if (a.map) {
    if (a.format && a.format !== 'custom-csv')
      throw new UsageError(`--map reads the files as custom-csv: it cannot go with --format ${a.format}`);
    a.format = 'custom-csv';
  }
  return a;
}

/** `time=when,host=dest_host`: a custom CSV's columns by field (a column name may hold '='; not ','). */
function parseMap(v: string): CustomMapping['columns'] {
  const columns: CustomMapping['columns'] = {};
  for (const pair of v.split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    const field = (eq < 0 ? pair : pair.slice(0, eq)).trim();
    const column = eq < 0 ? '' : pair.slice(eq + 1);
    if (!(CUSTOM_FIELDS as readonly string[]).includes(field))
      throw new UsageError(`--map: "${field}" is not a field (fields: ${CUSTOM_FIELDS.join(', ')})`);
    if (column.trim() === '') throw new UsageError(`--map: ${field} needs a column, as in ${field}=<column name>`);
    columns[field as keyof CustomMapping['columns']] = column;
  }
  if (!columns.time) throw new UsageError('--map needs the time column, as in time=<column name>');
  return columns;
}

/** A file's header (null: none to map), as the custom CSV parser splits it. */
async function headerOf(path: string): Promise<{ headers: string[] | null; suggested: CustomMapping | null }> {
  const head = await readHead(path, 256 << 10);
  const size = (await stat(path)).size;
  const p = await previewFile({ name: basename(path), head, whole: head.byteLength >= size, formatId: 'custom-csv' });
  return { headers: p.headers, suggested: p.suggested };
}

/** `--format custom-csv --map …` as a file's header suggests it, for a file no format recognised (null: no header). */
async function mappingHint(path: string): Promise<string | null> {
  const { suggested } = await headerOf(path).catch(() => ({ suggested: null }));
  const entries = Object.entries(suggested?.columns ?? {}).filter(([, c]) => c && !c.includes(','));
  if (!entries.some(([f]) => f === 'time')) return null;
  return `its header suggests --map ${entries.map(([f, c]) => `${f}=${c}`).join(',')} (check the columns, then run again with it)`;
}

/** Every column `--map` names is in each file's header: else the usage error names the file and its columns. */
async function checkMap(paths: string[], map: CustomMapping['columns']): Promise<void> {
  for (const p of paths) {
    const { headers } = await headerOf(p);
    if (!headers) throw new UsageError(`--map: ${basename(p)} has no header line to map`);
    for (const [field, column] of Object.entries(map)) {
      if (column && columnIndex(headers, column) < 0)
        throw new UsageError(
          `--map ${field}=${column}: ${basename(p)} has no column "${column}" (its columns: ${headers.join(', ')})`,
        );
    }
  }
}

/** Files under the inputs, folders walked recursively (hidden entries skipped), in a stable order. */
export async function expandInputs(inputs: string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string): Promise<void> => {
    const s = await stat(p).catch(() => null);
    if (!s) throw new UsageError(`${p}: no such file or folder`);
    if (s.isFile()) {
      out.push(p);
      return;
    }
    if (s.isDirectory()) {
      const entries = (await readdir(p)).filter((n) => !n.startsWith('.')).sort();
      for (const n of entries) await walk(join(p, n));
    }
  };
  for (const i of inputs) await walk(resolve(i));
  return out;
}

function progressPrinter(quiet: boolean): (p: JobProgress) => void {
  let last = 0;
  return (p) => {
    if (quiet) return;
    const now = Date.now();
    if (p.status === 'running' && now - last < 1000) return;
    last = now;
    const pct = p.fraction === null ? '' : ` ${(p.fraction * 100).toFixed(0)}%`;
    const eta = p.etaSeconds === null || p.status !== 'running' ? '' : ` ETA ${Math.ceil(p.etaSeconds)}s`;
    process.stderr.write(
      `analyze: ${p.status}${pct} · ${p.rowsDone.toLocaleString('en-US')} rows · ${Math.round(p.rate).toLocaleString('en-US')} rows/s${eta}\n`,
    );
  };
}

export interface AnalyzeOutcome {
  exitCode: number;
  message: string;
}

export async function analyze(args: AnalyzeArgs): Promise<AnalyzeOutcome> {
  registerBuiltinFormats();
  if (args.format && !formatById(args.format)) {
    throw new UsageError(
      `--format: unknown id "${args.format}". Known: ${allFormats()
        .map((f) => f.id)
        .join(', ')}`,
    );
  }
  let settings: Settings = normalizeSettings({});
  if (args.settingsFile) {
    const { readFile } = await import('node:fs/promises');
    try {
      settings = normalizeSettings(JSON.parse(await readFile(args.settingsFile, 'utf8')));
    } catch (e) {
      throw new UsageError(`--settings ${args.settingsFile}: ${(e as Error).message}`);
    }
  }
  const paths = await expandInputs(args.inputs);
  if (paths.length === 0) return { exitCode: 2, message: 'No files found in the given folders: nothing to analyze.' };
  if (args.map) await checkMap(paths, args.map);
  const files = await Promise.all(
    paths.map(async (p) => ({
      name: basename(p),
      size: (await stat(p)).size,
      stream: fileStream(p),
    })),
  );
  // A large .csv input may be a Defender export for scan workers: they start loading now, on the core this
  // thread leaves idle while it opens the store and detects the formats (~0.1 s), rather than when the import asks.
  const threads = args.threads ?? defaultScanThreads();
  const mayScan = files.some((f) => f.size >= PARALLEL_MIN_BYTES && /\.csv$/i.test(f.name));
  let early: ScanChannel[] | null = mayScan ? nodeScanChannels(threads) : null;
  let earlyTaken = false;
  const db = await openScratchDb();
  let result: Awaited<ReturnType<typeof runImport>>;
  let dataSource: DataSourceRecord | undefined;
  // Set to null once the tables are built: the report files and exports do not need the facts.
  let ws: WorkingSet | null;
  const parts = { fromWorkers: 0, readHere: 0, scannedHere: 0 };
  try {
    result = await runImport(
      db,
      {
        files,
        source: { name: args.source, kind: args.snapshot ? 'snapshot' : 'continuous' },
        formatId: args.format as never,
        ...(args.map ? { mapping: { columns: args.map } } : {}),
        timeZone: args.tz,
        slashDates: args.dateOrder === 'dmy' ? 'day-first' : args.dateOrder === 'mdy' ? 'month-first' : 'auto',
      },
      {
        createHasher: () => {
          const h = createHash('sha256');
          return { update: (b) => void h.update(b), digest: () => h.digest('hex') };
        },
        // SheetJS is a megabyte of code (~30 ms of every run's start-up): loaded when a workbook comes.
        xlsxToCsv: async (bytes) => (await import('../../shared/formats/xlsx-csv')).xlsxToCsvChunks(bytes),
        scanWorkers: () => {
          earlyTaken = early !== null;
          return early ?? nodeScanChannels(threads);
        },
        partOptions: { stats: parts, partDecoder: nodePartDecoder(), kernel: () => new CsvKernel() },
        onProgress: progressPrinter(args.quiet),
        // One block per flush of the import (250k facts): every block repeats the strings its facts use,
        // so fewer, larger blocks keep fewer copies while the import runs.
        blockSize: 1 << 18,
      },
    );
    if (!args.quiet && parts.fromWorkers > 0)
      process.stderr.write(
        `analyze: worker threads read ${parts.fromWorkers} of ${parts.fromWorkers + parts.readHere + parts.scannedHere} parts (${parts.scannedHere} scanned ahead by the main thread)\n`,
      );
    dataSource = await db.dataSources.get(result.sourceId);
    ws = await moveFactsToWorkingSet(db, result.importId ? [result.importId] : []);
  } catch (e) {
    // Nothing could be read: a CSV with a header gets the --map its header suggests.
    if (e instanceof Error && e.message.startsWith('Unknown format') && !args.map) {
      const hint = await mappingHint(paths[0]);
      if (hint) (e as Error & { hint?: string }).hint = `${basename(paths[0])}: ${hint}`;
    }
    throw e;
  } finally {
    // Workers started early for an import that did not need them (the import closes those it took).
    if (!earlyTaken) for (const c of early ?? []) c.close();
    early = null;
    await dropScratchDb(db);
  }
  const catalog = loadCatalog(BUILTIN_CATALOG, []);
  const matcher = createMatcher(catalog);
  let tags: TagState = {};
  const tagNotes: string[] = [];
  const tagAudit: ReturnType<typeof tagAuditRecords> = [];
  if (args.tagsFile) {
    try {
      const t = await readTagsFile(args.tagsFile, {
        catalog,
        matcher,
        who: `analyze --tags ${basename(args.tagsFile)}`,
      });
      tags = t.state;
      tagAudit.push(...tagAuditRecords(t.audit));
      tagNotes.push(
        `Tags: ${t.rows} row(s) from ${basename(args.tagsFile)}, ${Object.keys(tags).length} app(s) tagged.`,
      );
      tagNotes.push(...t.warnings.slice(0, 20).map((w) => `  ${basename(args.tagsFile as string)} ${w}`));
    } catch (e) {
      if (e instanceof TagsFileError) throw new UsageError(`--tags ${args.tagsFile}: ${e.message}`);
      throw e;
    }
  }
  const scorer = createScorer(catalog.date, settings);
  // Risk and signals first: the run's data source is one report (the endpoint one is "Win10 Endpoint
  // Users"). Its daily rollups are gone before the tables are built, so the two never share memory.
  const riskRun = riskWithoutRollups(ws, {
    matcher,
    scorer,
    tags,
    overrides: {},
    report: dataSource ? reportOfSource(dataSource) : null,
    from: args.from ?? null,
    to: args.to ?? null,
    thresholds: settings.thresholds,
    signalSeverity: settings.signalSeverity,
  });
  const tables = computeTables(ws, {
    matcher,
    scorer,
    tags,
    overrides: {},
    from: args.from ?? null,
    to: args.to ?? null,
  });
  ws = null;
  applyRisk(tables, riskRun);
  await mkdir(args.out, { recursive: true });
  const signals: SignalRow[] = riskRun.signals;
  await Promise.all([
    writeFile(join(args.out, 'apps.csv'), appsCsv(tables)),
    writeFile(join(args.out, 'devices.csv'), devicesCsv(tables)),
    writeFile(join(args.out, 'users.csv'), usersCsv(tables)),
    writeFile(join(args.out, 'ips.csv'), ipsCsv(tables)),
    writeFile(join(args.out, 'signals.csv'), signalsCsv(signals)),
    writeFile(join(args.out, 'imports.json'), importsJson(result.files)),
    writeFile(join(args.out, 'summary.json'), summaryJson(tables.summary)),
  ]);
  const exportNotes: string[] = [];
  if (args.exports?.length) {
    const set = await buildExports({
      kinds: args.exports,
      stamp: { generatedAt: Date.now(), generator: 'Cloudscope analyze' },
      catalog,
      tags,
      tables,
      signals,
      imports: result.files,
      settings,
      scorer,
      reportName: dataSource?.name ?? args.source ?? 'Imported data',
      window: { from: args.from ?? null, to: args.to ?? null },
      audit: tagAudit,
    });
    const dir = join(args.out, 'exports');
    await mkdir(dir, { recursive: true });
    // A smaller run must not leave a previous run's indicators-003.csv looking current.
    if (args.exports.includes('indicators'))
      for (const n of await readdir(dir)) if (/^indicators-\d{3}\.csv$/.test(n)) await rm(join(dir, n));
    await Promise.all(set.files.map((f) => writeFile(join(dir, f.name), f.content)));
    exportNotes.push(...set.summary, `Exports written to ${resolve(dir)}`);
  }
  const s = tables.summary;
  const unread = result.files.filter((f) => f.error);
  const pathOf = new Map(paths.map((p) => [basename(p), p] as const));
  const hints = new Map<string, string>();
  for (const f of unread) {
    const p = pathOf.get(f.file);
    const hint = p && f.error?.startsWith('Unknown format') && !args.map ? await mappingHint(p) : null;
    if (hint) hints.set(f.file, hint);
  }
  const lines = [
    `Imported ${result.files.length - unread.length} of ${result.files.length} file(s): ${s.transactions.toLocaleString('en-US')} transactions, ${s.apps} apps, ${s.devices} devices, ${s.users} users, ${s.ips} IP addresses.`,
    ...unread.flatMap((f) => [
      `  ${f.file}: ${f.error}`,
      ...(hints.has(f.file) ? [`  ${f.file}: ${hints.get(f.file)}`] : []),
    ]),
    // (Told by --date-order, or month first as the rows show: nothing to say.)
    ...result.files
      .filter((f) => (f.slashDates === 'day-first' && !args.dateOrder) || f.slashDatesUnsure)
      .map((f) =>
        f.slashDatesUnsure
          ? `  ${f.file}: dates like 05/10/2026 read month first: its first rows show no day over 12 (--date-order dmy to read them day first)`
          : `  ${f.file}: dates like 05/10/2026 read day first, as its first rows show (--date-order mdy to read them month first)`,
      ),
    ...result.files
      .filter((f) => f.timeZone)
      .map((f) => `  ${f.file}: its times carry no time zone, read as ${f.timeZone} (--tz <zone> to choose another)`),
    ...tagNotes,
    `Devices by risk: ${levelCounts(tables.devices)}. Signals: ${signals.length}${dataSource?.kind === 'snapshot' ? ' (a snapshot never raises signals)' : ''}.`,
    ...riskRun.notApplicable.filter((x) => !x.startsWith('snapshot')).map((x) => `  ${x}`),
    `Reports written to ${resolve(args.out)}`,
    ...exportNotes,
  ];
  return { exitCode: 0, message: lines.join('\n') };
}

/** The risk run without its daily rollups, which a caller that only writes reports need not keep alive. */
function riskWithoutRollups(ws: WorkingSet, o: RiskRunOptions): Omit<RiskRun, 'daily'> {
  const { devices, users, signals, notApplicable } = runRisk(ws, o);
  return { devices, users, signals, notApplicable };
}

async function main(): Promise<void> {
  try {
    const args = parseArgs(process.argv.slice(2));
    if (args === 'help') {
      process.stdout.write(helpText());
      return;
    }
    const r = await analyze(args);
    (r.exitCode === 0 ? process.stdout : process.stderr).write(`${r.message}\n`);
    process.exitCode = r.exitCode;
  } catch (e) {
    const hint = (e as { hint?: string }).hint;
    process.stderr.write(`analyze: ${(e as Error).message}${hint ? `\n  ${hint}` : ''}\n`);
    process.exitCode = e instanceof UsageError ? 64 : 1;
  }
}

if (process.argv[1] && /analyze\.(m?js|ts)$/.test(process.argv[1])) void main();
