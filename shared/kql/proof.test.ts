// The proof behind "let Kusto aggregate, import the facts": a generated fleet's raw
// DeviceNetworkEvents export and the facts the slice query returns for the same events
// (evaluated by a reference that stands in for Kusto) give the engine identical facts,
// and so identical apps, devices, users, IP addresses, risk levels and signals.
// Mixing raw and aggregated exports of the same device hours never counts twice.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_CATALOG } from '../catalog/builtin';
import { loadCatalog } from '../catalog/loader';
import { createMatcher } from '../catalog/matcher';
import { createScorer } from '../catalog/score';
import { DEFAULT_SETTINGS } from '../domain/settings';
import { runImport } from '../engine/import';
import type { ImportRequest, ImportResult } from '../engine/protocol';
import { computeTables, type Tables } from '../engine/query';
import { reportOfSource } from '../engine/reports';
import { applyRisk, runRisk } from '../engine/risk-report';
import { Sha256 } from '../engine/sha256';
import { WorkingSet } from '../engine/working-set';
import { registerBuiltinFormats } from '../formats/index';
import { detectFormat } from '../formats/registry';
import { type CloudscopeDb, openDb } from '../store/db';
import { fleetRows, type RawRow, rawCsvHeader, rawCsvLine } from './testing/fleet';
import { type FactRow, factsCsv, factsLogAnalyticsJson, kustoFacts } from './testing/kusto-reference';

const FLEET = { devices: 12, days: 3, activitiesPerDay: 240, start: Date.UTC(2026, 2, 2), seed: 7 };
const DAY = 86_400_000;

let raw: RawRow[];
let rawCsv: string;
let facts: FactRow[];
let dbs = 0;

const newDb = () => openDb(`kql-proof-${dbs++}`, { indexedDB, IDBKeyRange });
const enc = new TextEncoder();

function fileOf(name: string, text: string): ImportRequest['files'][number] {
  const bytes = enc.encode(text);
  let off = 0;
  return {
    name,
    size: bytes.byteLength,
    stream: new ReadableStream<Uint8Array>({
      pull(c) {
        if (off >= bytes.byteLength) return c.close();
        c.enqueue(bytes.subarray(off, off + 65_536));
        off += 65_536;
      },
    }),
  };
}

async function importInto(db: CloudscopeDb, files: { name: string; text: string }[]): Promise<ImportResult> {
  return runImport(
    db,
    { files: files.map((f) => fileOf(f.name, f.text)), source: { name: 'Fleet', kind: 'continuous' } },
    { createHasher: () => new Sha256() },
  );
}

/** What `analyze` computes from a store: the tables with risk applied, and the signals. */
async function report(db: CloudscopeDb): Promise<{ tables: Tables; signals: unknown[]; facts: string[] }> {
  const ws = await WorkingSet.load(db);
  const catalog = loadCatalog(BUILTIN_CATALOG, []);
  const ctx = {
    matcher: createMatcher(catalog),
    scorer: createScorer(catalog.date, DEFAULT_SETTINGS),
    tags: {},
    overrides: {},
  };
  const tables = computeTables(ws, { ...ctx, from: null, to: null });
  const source = (await db.dataSources.toArray())[0];
  const run = runRisk(ws, {
    ...ctx,
    report: reportOfSource(source),
    thresholds: DEFAULT_SETTINGS.thresholds,
    signalSeverity: DEFAULT_SETTINGS.signalSeverity,
  });
  applyRisk(tables, run);
  // Every fact as a line, in a stable order: the strictest comparison of two working sets.
  const lines: string[] = [];
  for (let i = 0; i < ws.n; i++) {
    lines.push(
      [
        ws.hour[i],
        ws.str(ws.device[i]),
        ws.str(ws.deviceName[i]),
        ws.str(ws.user[i]),
        ws.str(ws.localIp[i]),
        ws.str(ws.host[i]),
        ws.transactions[i],
        ws.blocked[i],
        ws.bytesUp[i],
        ws.bytesDown[i],
        ws.firstSeen[i],
        ws.lastSeen[i],
      ].join('|'),
    );
  }
  lines.sort();
  return { tables, signals: run.signals, facts: lines };
}

beforeAll(() => {
  registerBuiltinFormats();
  raw = [...fleetRows(FLEET)];
  rawCsv = rawCsvHeader() + raw.map(rawCsvLine).join('');
  facts = kustoFacts(raw);
});

describe('facts aggregated by the KQL import like the raw events', () => {
  it('are recognised by their header, the raw export as Defender CSV', () => {
    expect(detectFormat(rawCsv.slice(0, 65_536)).format?.id).toBe('defender-csv');
    expect(detectFormat(factsCsv(facts).slice(0, 65_536)).format?.id).toBe('facts-csv');
    expect(detectFormat(factsLogAnalyticsJson(facts).slice(0, 65_536)).format?.id).toBe('facts-json');
  });

  it('give identical facts, apps, devices, users, IP addresses, risk and signals', async () => {
    const rawDb = await newDb();
    const rawResult = await importInto(rawDb, [{ name: 'raw.csv', text: rawCsv }]);
    const factsDb = await newDb();
    const factsResult = await importInto(factsDb, [{ name: 'facts.csv', text: factsCsv(facts) }]);
    const a = await report(rawDb);
    const b = await report(factsDb);

    // The data exercises every rule the query mirrors, so equality means something.
    const skipped = rawResult.files[0].skipped;
    expect(skipped['inspection merged into its connection']).toBeGreaterThan(1000);
    expect(skipped['DNS inspection (feeds host resolution)']).toBeGreaterThan(300);
    expect(skipped['inbound connection']).toBeGreaterThan(50);
    expect(skipped['inbound inspection']).toBeGreaterThan(0);
    expect(rawResult.files[0].rowsRejected).toBe(0);
    expect(factsResult.files[0].rowsRejected).toBe(0);
    expect(factsResult.files[0].rowsAccepted).toBe(facts.length);
    expect(facts.length).toBeLessThan(rawResult.transactions);
    expect(a.tables.summary.transactions).toBeGreaterThan(5000);
    expect(a.tables.apps.filter((x) => x.appId !== null).length).toBeGreaterThan(15);
    expect(a.tables.apps.some((x) => x.blocked > 0)).toBe(true);
    expect(a.tables.apps.some((x) => x.upload !== null && x.download !== null)).toBe(true);
    expect(a.tables.users.map((u) => u.user)).toEqual(expect.arrayContaining(['nt authority\\system', 'localadmin']));
    expect(a.tables.ips.some((x) => x.ip.startsWith('192.168.'))).toBe(true);
    expect(a.tables.devices.some((d) => d.riskLevel !== null)).toBe(true);

    expect(factsResult.transactions).toBe(rawResult.transactions);
    expect(factsResult.facts).toBe(rawResult.facts);
    expect(b.facts).toEqual(a.facts);
    expect(b.tables.summary).toEqual(a.tables.summary);
    expect(b.tables.apps).toEqual(a.tables.apps);
    expect(b.tables.devices).toEqual(a.tables.devices);
    expect(b.tables.users).toEqual(a.tables.users);
    expect(b.tables.ips).toEqual(a.tables.ips);
    expect(b.signals).toEqual(a.signals);
    expect(factsResult.files[0].firstEvent).toBe(rawResult.files[0].firstEvent);
    expect(factsResult.files[0].lastEvent).toBe(rawResult.files[0].lastEvent);
  });

  it('read from the Log Analytics JSON answer give the same facts as from CSV', async () => {
    const csvDb = await newDb();
    await importInto(csvDb, [{ name: 'facts.csv', text: factsCsv(facts) }]);
    const jsonDb = await newDb();
    const r = await importInto(jsonDb, [{ name: 'facts.json', text: factsLogAnalyticsJson(facts) }]);
    expect(r.files[0].format).toBe('facts-json');
    expect(r.files[0].rowsAccepted).toBe(facts.length);
    expect((await report(jsonDb)).facts).toEqual((await report(csvDb)).facts);
  });
});

describe('slices', () => {
  const sorted = (rows: FactRow[]) => rows.map((f) => JSON.stringify(f)).sort();
  /** Any stable split of devices stands in for hash_xxhash64(DevKey, parts). */
  const share = (deviceId: string, parts: number) => Number.parseInt(deviceId.slice(0, 6), 16) % parts;

  function sliced(marginMs: number): FactRow[] {
    const out: FactRow[] = [];
    const step = 6 * 3_600_000;
    for (let from = FLEET.start; from < FLEET.start + FLEET.days * DAY; from += step) {
      const to = from + step;
      const near = raw.filter((x) => x.ms >= from - marginMs && x.ms < to + marginMs);
      const parts = from === FLEET.start + DAY ? 3 : 1;
      for (let p = 0; p < parts; p++) {
        out.push(
          ...kustoFacts(
            near.filter((x) => share(x.DeviceId, parts) === p),
            { from, to },
          ),
        );
      }
    }
    return out;
  }

  it('cut by time and by device share add up to the facts of one query, thanks to the margin', () => {
    expect(sorted(sliced(60_000))).toEqual(sorted(facts));
    // Without the margin, merges across slice edges break: the edges matter in this data.
    expect(sorted(sliced(0))).not.toEqual(sorted(facts));
  });
});

describe('mixing raw and aggregated exports of the same devices and hours', () => {
  const firstDay = (f: FactRow) => Date.parse(f.Hour) < FLEET.start + DAY;
  const rawAfterFirstDay = () =>
    rawCsvHeader() +
    raw
      .filter((x) => x.ms >= FLEET.start + DAY)
      .map(rawCsvLine)
      .join('');

  it('skips aggregated facts of device hours already imported as raw events, with a counted reason', async () => {
    const db = await newDb();
    const first = await importInto(db, [{ name: 'raw.csv', text: rawCsv }]);
    const second = await importInto(db, [{ name: 'facts.csv', text: factsCsv(facts) }]);
    const f = second.files[0];
    expect(f.rowsAccepted).toBe(0);
    expect(f.skipped['device hour already imported as raw events (aggregated fact not added twice)']).toBe(
      facts.length,
    );
    expect(second.transactions).toBe(0);
    expect((await report(db)).tables.summary.transactions).toBe(first.transactions);
  });

  it('skips raw events of device hours already imported as facts, so a partial overlap adds up exactly', async () => {
    // Facts for the first day, then the whole raw export: the first day's raw events are
    // skipped, the rest imported — the same numbers as the raw export alone.
    const rawOnly = await newDb();
    await importInto(rawOnly, [{ name: 'raw.csv', text: rawCsv }]);
    const expected = await report(rawOnly);

    const db = await newDb();
    const day1 = facts.filter(firstDay);
    await importInto(db, [{ name: 'facts-day1.csv', text: factsCsv(day1) }]);
    const second = await importInto(db, [{ name: 'raw.csv', text: rawCsv }]);
    const skipped =
      second.files[0].skipped['device hour already imported as aggregated facts (raw event not added twice)'];
    expect(skipped).toBe(day1.reduce((n, f) => n + f.Transactions, 0));
    const got = await report(db);
    expect(got.tables.summary).toEqual(expected.tables.summary);
    expect(got.tables.apps).toEqual(expected.tables.apps);
    expect(got.tables.devices).toEqual(expected.tables.devices);
  });

  it('keeps both kinds apart within one import too, whatever the order of the files', async () => {
    const rawOnly = await newDb();
    await importInto(rawOnly, [{ name: 'raw.csv', text: rawCsv }]);
    const expected = (await report(rawOnly)).tables.summary;

    const db = await newDb();
    const r = await importInto(db, [
      { name: 'facts-all.csv', text: factsCsv(facts) },
      { name: 'raw-after-day1.csv', text: rawAfterFirstDay() },
    ]);
    // The facts (all days) came first: every raw event after day 1 is already covered.
    expect(r.files[1].rowsAccepted).toBe(0);
    expect((await report(db)).tables.summary).toEqual(expected);
  });

  it('adds each fact once when a slice is imported again, even re-exported in another order', async () => {
    const db = await newDb();
    const first = await importInto(db, [{ name: 'facts.csv', text: factsCsv(facts) }]);
    const same = await importInto(db, [{ name: 'facts.csv', text: factsCsv(facts) }]);
    expect(same.files[0].alreadyImported).toBe(true);
    const reordered = await importInto(db, [{ name: 'facts-again.csv', text: factsCsv([...facts].reverse()) }]);
    expect(reordered.files[0].alreadyImported).toBe(false);
    expect(reordered.files[0].rowsDuplicate).toBe(facts.length);
    expect(reordered.files[0].skipped['duplicate of a fact already imported (overlapping aggregated export)']).toBe(
      facts.length,
    );
    expect((await report(db)).tables.summary.transactions).toBe(first.transactions);
  });
});
