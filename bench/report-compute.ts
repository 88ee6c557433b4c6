/**
 * The cold cost of one report view in Node: what `EngineState.computed()` and the dashboard
 * do on the first view after an import — computeTables, the daily rollups, device and user
 * risk, discovery signals, the timeline; then what a window over rollups already judged costs
 * (the risk bases, riskInWindow), a window ending 3 days before the data's last day (rollups and bases of its own:
 * `early…`) and the dashboard's riskiest devices (topDevices) — each timed on its own, over a working set built
 * from one telemetry file (parsed and aggregated in memory, no store), optionally replicated
 * over more devices (`--scale k`: k copies of every fact, each copy with its own devices,
 * users and IPs; hosts and days unchanged) to reach 10M-event fact counts without a
 * 2.5-minute import. Prints one JSON line, with a digest of every result so runs before and
 * after a change can be compared for identical output. Each stage gives wall ms and CPU ms (`…Cpu`,
 * this process only: steadier than wall time on a shared machine); with `--held`, also `…HeldMB`, the heap plus array
 * buffers still held after each stage (after a collection, which `total` then includes), over what was held before
 * the first stage.
 * Built by `bench/vite.report-compute.config.ts` to `bench/out/report-compute/report-compute.mjs`.
 *
 *   node --expose-gc bench/out/report-compute/report-compute.mjs <file> [--scale 10] [--runs 2] [--held]
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import { BUILTIN_CATALOG } from '../shared/catalog/builtin';
import { loadCatalog } from '../shared/catalog/loader';
import { createMatcher } from '../shared/catalog/matcher';
import { createScorer } from '../shared/catalog/score';
import { DEFAULT_SETTINGS } from '../shared/domain/settings';
import { FactAggregator } from '../shared/engine/aggregate';
import { computeDaily, reappraised } from '../shared/engine/daily';
import { computeTables, topDevices } from '../shared/engine/query';
import { assessRisk, type RiskBase, riskBase } from '../shared/engine/risk';
import {
  applyRisk,
  rejudgedBases,
  revivedBases,
  riskInWindow,
  runRisk,
  storedBases,
} from '../shared/engine/risk-report';
import { discoverySignals, signalBase } from '../shared/engine/signals';
import { HEAD_CHARS } from '../shared/engine/source';
import { dashboard, RISK_ORDER, RISKIEST_SHOWN, timeline } from '../shared/engine/views';
import { WorkingSet } from '../shared/engine/working-set';
import { registerBuiltinFormats } from '../shared/formats/index';
import { detectFormat } from '../shared/formats/registry';
import type { FormatParser, ParseSink } from '../shared/formats/types';
import type { IdColumn } from '../shared/store/fact-block';
import type { FactBlockRecord } from '../shared/store/records';

const SOURCE = 'bench-source';

async function factsOf(file: string): Promise<FactAggregator> {
  registerBuiltinFormats();
  const agg = new FactAggregator();
  const sink: ParseSink = { event: (e) => agg.add(e), skip() {}, reject() {} };
  const decoder = new TextDecoder('utf-8');
  let parser: FormatParser | null = null;
  let pending = '';
  const feed = (text: string, last: boolean) => {
    if (!parser) {
      pending += text;
      if (pending.length < HEAD_CHARS && !last) return;
      const format = detectFormat(pending.slice(0, HEAD_CHARS)).format;
      if (!format) throw new Error(`${file}: no format recognised`);
      parser = format.open({
        timeZone: 'UTC',
        fileName: file,
        files: [{ name: file, formatId: format.id, head: pending.slice(0, HEAD_CHARS) }],
        scratch: new Map(),
      });
      text = pending;
      pending = '';
    }
    parser.push(text, sink);
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) {
    feed(decoder.decode(chunk as Buffer, { stream: true }), false);
  }
  feed(decoder.decode(), true);
  (parser as FormatParser | null)?.end(sink);
  return agg;
}

/** Copy `c` of a block: its entity strings (not its hosts) get a suffix, so they are other entities. */
function replica(b: FactBlockRecord, c: number): FactBlockRecord {
  if (c === 0) return b;
  const len = b.strings.length;
  const strings = [...b.strings, ...b.strings.map((s) => `${s}~${c}`)];
  // Int32: the doubled dictionary may outgrow the block's narrow id type.
  const shift = (col: IdColumn) => Int32Array.from(col, (v) => (v < 0 ? v : v + len));
  return {
    ...b,
    strings,
    device: shift(b.device),
    deviceName: shift(b.deviceName),
    user: shift(b.user),
    localIp: shift(b.localIp),
  };
}

function digest(x: unknown): string {
  const json = JSON.stringify(x, (_k, v) => (v instanceof Map ? [...v] : v));
  return createHash('sha256').update(json).digest('hex').slice(0, 16);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const file = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  const flag = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (!file) {
    console.error(
      'usage: node --expose-gc bench/out/report-compute/report-compute.mjs <file> [--scale k] [--runs n] [--held]',
    );
    process.exit(64);
  }
  const scale = Number(flag('scale') ?? 1);
  const runs = Number(flag('runs') ?? 1);
  const measureHeld = args.includes('--held');
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

  let t = performance.now();
  const agg = await factsOf(file);
  const blocks = agg.toBlocks('bench-import', SOURCE);
  const parseSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  const ws = new WorkingSet();
  for (let c = 0; c < scale; c++) for (const b of blocks) ws.addBlock(replica(b, c));
  const loadSeconds = (performance.now() - t) / 1000;
  blocks.length = 0;

  const matcher = createMatcher(loadCatalog(BUILTIN_CATALOG, []));
  const scorer = createScorer(matcher.catalog.date, DEFAULT_SETTINGS);
  const app = { matcher, scorer, tags: {}, overrides: {} };
  const report = { name: 'Bench', raisesSignals: true, sourceIds: [SOURCE] };
  const sources = new Set([SOURCE]);
  const thresholds = DEFAULT_SETTINGS.thresholds;

  const samples: Record<string, number>[] = [];
  let digests: Record<string, string> = {};
  for (let run = 0; run < runs; run++) {
    gc();
    const s: Record<string, number> = {};
    const heap0 = process.memoryUsage().heapUsed;
    let peak = heap0;
    // Typed arrays live outside the JS heap: retained memory is heap plus array buffers.
    const held = () => {
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const held0 = held();
    const time = <T>(name: string, f: () => T): T => {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const r = f();
      s[name] = Math.round(performance.now() - t0);
      const c = process.cpuUsage(c0);
      s[`${name}Cpu`] = Math.round((c.user + c.system) / 1000);
      peak = Math.max(peak, process.memoryUsage().heapUsed);
      if (measureHeld) {
        gc();
        s[`${name}HeldMB`] = Math.round((held() - held0) / 2 ** 20);
      }
      return r;
    };
    const total0 = performance.now();
    time('computeAppsOnly', () => computeTables(ws, { ...app, sources }, true));
    const tables = time('computeTables', () => computeTables(ws, { ...app, sources }));
    const daily = time('computeDaily', () => computeDaily(ws, { ...app, sources, from: null, to: null }));
    const devices = time('riskDevices', () => assessRisk(daily, 'device', { thresholds }));
    const users = time('riskUsers', () => assessRisk(daily, 'user', { thresholds }));
    const signals = time('signals', () =>
      discoverySignals(daily, { report, thresholds, severity: DEFAULT_SETTINGS.signalSeverity }),
    );
    // What a window over rollups already judged costs (engine state: risk bases shared by windows), and the
    // dashboard's riskiest devices without the whole device table.
    const riskOpts = { thresholds };
    const bases = {
      devices: time('riskBaseDevices', () => riskBase(daily, 'device', riskOpts)),
      users: time('riskBaseUsers', () => riskBase(daily, 'user', riskOpts)),
      signals: time('signalBase', () =>
        signalBase(daily, { report, thresholds, severity: DEFAULT_SETTINGS.signalSeverity }),
      ),
    };
    time('riskInWindow', () => riskInWindow(bases, { from: null, to: null }));
    // What a tag, override, weight or threshold change costs the bases (judged again, not computed): every row judged
    // again (as before s11, and still for a base read back from the store, which has no earlier judgement) …
    const severity = DEFAULT_SETTINGS.signalSeverity;
    const riskier = { thresholds: { ...thresholds, riskyScore: thresholds.riskyScore + 1 }, severity };
    const apps = reappraised(bases.devices.apps, app, matcher.catalog);
    const unjudged = (b: RiskBase): RiskBase => ({ ...b, judgedRows: undefined });
    time('rejudgeBases', () =>
      rejudgedBases({ ...bases, devices: unjudged(bases.devices), users: unjudged(bases.users) }, apps),
    );
    // … a risky-app score one higher (the rows of the apps it makes risky) …
    const riskierBases = time('rejudgeBasesRiskier', () => rejudgedBases(bases, apps, riskier));
    // … and one app tagged (its rows; every other app's kept as they were judged).
    const tagged = apps.map((a, i) =>
      i === 0 ? { ...a, tags: [...a.tags, 'Unsanctioned'], sanction: 'Unsanctioned' as const } : a,
    );
    time('rejudgeBasesOneTag', () => rejudgedBases(riskierBases, tagged, riskier));
    // The bases as the engine keeps them in the store for the next session (structured clone, as IndexedDB takes
    // it), and read back: judged again with the apps as they are.
    const bytes = time('storeBases', () => serialize(storedBases(bases)));
    s.storedBasesMB = Math.round((bytes.length / 2 ** 20) * 10) / 10;
    time('reviveBases', () => {
      const kept = deserialize(bytes) as ReturnType<typeof storedBases>;
      return revivedBases(kept, reappraised(kept.devices.apps, app, matcher.catalog));
    });
    // A window ending before the data's end (here 3 days before its last day) has rollups and bases of its own: its
    // dashboard waits for the rollups, the devices' base and the signals' (the users' rollup and base come after).
    const earlyTo = ((daily.lastDay ?? 0) - 2) * 86_400_000;
    const earlyDaily = time('earlyRollups', () => computeDaily(ws, { ...app, sources, from: null, to: earlyTo }));
    const earlyBases = {
      devices: time('earlyBaseDevices', () => riskBase(earlyDaily, 'device', riskOpts)),
      signals: time('earlySignalBase', () =>
        signalBase(earlyDaily, { report, thresholds, severity: DEFAULT_SETTINGS.signalSeverity }),
      ),
      users: time('earlyBaseUsers', () => riskBase(earlyDaily, 'user', riskOpts)),
    };
    const early = riskInWindow(earlyBases, { from: null, to: earlyTo });
    const level = (key: string) => RISK_ORDER[devices.get(key)?.level ?? 'Informational'];
    time('topDevices', () => topDevices(ws, { ...app, sources }, level, RISKIEST_SHOWN));
    const series = time('timeline', () => timeline(ws, { sources }));
    applyRisk(tables, { devices, users });
    const dash = time('dashboard', () => dashboard(tables, series));
    s.total = Math.round(performance.now() - total0);
    s.peakHeapMB = Math.round((peak - heap0) / 2 ** 20);
    s.deviceRows = daily.device.rows.n;
    s.userRows = daily.user.rows.n;
    s.deviceDays = daily.device.days.n;
    // runRisk as the engine calls it (rollups + both risk runs + signals in one call), for the total
    gc();
    const run0 = performance.now();
    const viaRun = runRisk(ws, { ...app, report, thresholds, signalSeverity: DEFAULT_SETTINGS.signalSeverity });
    s.runRisk = Math.round(performance.now() - run0);
    samples.push(s);
    digests = {
      tables: digest(tables),
      devices: digest(devices),
      users: digest(users),
      signals: digest(signals),
      runRisk: digest([viaRun.devices, viaRun.users, viaRun.signals, viaRun.notApplicable]),
      dashboard: digest(dash),
      early: digest(early),
    };
  }
  process.stdout.write(
    `${JSON.stringify({
      file,
      scale,
      facts: ws.n,
      devices: new Set(ws.device.subarray(0, ws.n)).size,
      parseSeconds: Math.round(parseSeconds * 10) / 10,
      loadSeconds: Math.round(loadSeconds * 100) / 100,
      samples,
      digests,
      maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    })}\n`,
  );
}

void main();
