/**
 * The stages `report-compute` times, apart from where they run: in Node (`report-compute.ts`) or in a worker in
 * Chromium (`report-compute-web.ts`, driven by `report-compute-chromium.mjs`), so one build of the engine can be timed
 * stage by stage in both engines on the same working set. Everything here uses only what both have (no `node:`);
 * what differs (CPU time, heap figures, a collection, the structured clone the store makes) comes in as hooks.
 */
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

/** Parses one telemetry file, given as its chunks of bytes, and aggregates its events into facts (no store). */
export async function factsOf(name: string, chunks: AsyncIterable<Uint8Array>): Promise<FactAggregator> {
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
      if (!format) throw new Error(`${name}: no format recognised`);
      parser = format.open({
        timeZone: 'UTC',
        fileName: name,
        files: [{ name, formatId: format.id, head: pending.slice(0, HEAD_CHARS) }],
        scratch: new Map(),
      });
      text = pending;
      pending = '';
    }
    parser.push(text, sink);
  };
  for await (const chunk of chunks) feed(decoder.decode(chunk, { stream: true }), false);
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

/** The fact blocks of `agg`, as an import stores them. */
export function blocksOf(agg: FactAggregator): FactBlockRecord[] {
  return agg.toBlocks('bench-import', SOURCE);
}

/** The working set of the blocks' facts, replicated `scale` times over other devices, users and IPs. */
export function workingSetOf(blocks: readonly FactBlockRecord[], scale: number): WorkingSet {
  const ws = new WorkingSet();
  for (let c = 0; c < scale; c++) for (const b of blocks) ws.addBlock(replica(b, c));
  return ws;
}

/**
 * A digest of a result, the same in both engines (64 bits of two FNV-1a passes over its JSON, Maps as entry lists):
 * runs of two builds, or of Node and Chromium, compare by it.
 */
export function digest(x: unknown): string {
  const json = JSON.stringify(x, (_k, v) => (v instanceof Map ? [...v] : v));
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** What differs between the engines. */
export interface StageHooks {
  /** CPU ms of this process so far (Node); absent in a browser worker. */
  cpuMs?: () => number;
  /** Heap bytes in use; `held` also counts array buffers (Node). */
  heapUsed?: () => number;
  held?: () => number;
  gc?: () => void;
  /** The stored bases as the store would take them: serialized (size in bytes) and read back. */
  store: (x: unknown) => { bytes: number | null; back: () => unknown };
}

export interface StageResults {
  samples: Record<string, number>[];
  digests: Record<string, string>;
}

/**
 * Times the cold view's stages `runs` times over `ws`: the tables, the daily rollups, both risk runs, signals, the
 * risk bases and a window over them, the bases judged again, stored and read back, a window ending 3 days before the
 * data's last day (rollups and bases of its own), the riskiest devices, the timeline, the dashboard, and `runRisk`.
 */
export function runStages(ws: WorkingSet, runs: number, hooks: StageHooks, measureHeld = false): StageResults {
  const matcher = createMatcher(loadCatalog(BUILTIN_CATALOG, []));
  const scorer = createScorer(matcher.catalog.date, DEFAULT_SETTINGS);
  const app = { matcher, scorer, tags: {}, overrides: {} };
  const report = { name: 'Bench', raisesSignals: true, sourceIds: [SOURCE] };
  const sources = new Set([SOURCE]);
  const thresholds = DEFAULT_SETTINGS.thresholds;
  const gc = hooks.gc ?? (() => {});
  const heapUsed = hooks.heapUsed ?? (() => 0);

  const samples: Record<string, number>[] = [];
  let digests: Record<string, string> = {};
  for (let run = 0; run < runs; run++) {
    gc();
    const s: Record<string, number> = {};
    const heap0 = heapUsed();
    let peak = heap0;
    const held0 = hooks.held?.() ?? 0;
    const time = <T>(name: string, f: () => T): T => {
      const t0 = performance.now();
      const c0 = hooks.cpuMs?.();
      const r = f();
      s[name] = Math.round(performance.now() - t0);
      if (c0 !== undefined && hooks.cpuMs) s[`${name}Cpu`] = Math.round(hooks.cpuMs() - c0);
      peak = Math.max(peak, heapUsed());
      if (measureHeld && hooks.held) {
        gc();
        s[`${name}HeldMB`] = Math.round((hooks.held() - held0) / 2 ** 20);
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
    const stored = time('storeBases', () => hooks.store(storedBases(bases)));
    if (stored.bytes !== null) s.storedBasesMB = Math.round((stored.bytes / 2 ** 20) * 10) / 10;
    time('reviveBases', () => {
      const kept = stored.back() as ReturnType<typeof storedBases>;
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
    if (hooks.heapUsed) s.peakHeapMB = Math.round((peak - heap0) / 2 ** 20);
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
  return { samples, digests };
}
