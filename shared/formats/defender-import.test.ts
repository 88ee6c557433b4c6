// The same Defender events read through different formats get the same de-duplication key, so overlapping
// partial exports in different shapes (CSV, JSON, Event Hub) are never counted twice by an import.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import Papa from 'papaparse';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashKey, runImport } from '../engine/import';
import type { ImportRequest } from '../engine/protocol';
import { Sha256 } from '../engine/sha256';
import { openDb } from '../store/db';
import { defenderCsvFormat } from './defender-csv';
import { defenderEventHubFormat } from './defender-eventhub';
import { defenderJsonFormat } from './defender-json';
import { registerBuiltinFormats } from './index';
import { collectLogged, readFixture } from './testing/harness';

const PLASO = readFixture('defender/plaso/advanced_hunting_test.csv');
const parsed = Papa.parse<Record<string, string>>(PLASO, { header: true, skipEmptyLines: true });
const HEADER = parsed.meta.fields as string[];
const ROWS = parsed.data;

/** A row as a JSON export types it: numbers for ports and ids, AdditionalFields as an object, null for empty. */
function typed(row: Record<string, string>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (v === '') o[k] = null;
    else if (/Port$|^ReportId$/.test(k) && /^\d+$/.test(v)) o[k] = Number(v);
    else if (k === 'AdditionalFields' && v.startsWith('{')) o[k] = JSON.parse(v);
    else o[k] = v;
  }
  return o;
}

const csvOf = (rows: Record<string, string>[]) => Papa.unparse({ fields: HEADER, data: rows });
const jsonOf = (rows: Record<string, string>[]) => JSON.stringify(rows.map(typed));
/** Event Hub carries one table per record: only the DeviceNetworkEvents rows of the union export. */
const eventHubOf = (rows: Record<string, string>[]) =>
  JSON.stringify({
    records: rows
      .filter((r) => /^(Connection|Inbound|Listening)|Inspected$/.test(r.ActionType))
      .map((r) => ({ time: r.Timestamp, category: 'AdvancedHunting-DeviceNetworkEvents', properties: typed(r) })),
  });

let n = 0;
const newDb = () => openDb(`defender-import-test-${n++}`, { indexedDB, IDBKeyRange });
const enc = new TextEncoder();
function fileOf(name: string, text: string): ImportRequest['files'][number] {
  const bytes = enc.encode(text);
  return {
    name,
    size: bytes.byteLength,
    stream: new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes);
        c.close();
      },
    }),
  };
}
const opts = { createHasher: () => new Sha256() };
const source = { name: 'defender', kind: 'continuous' } as const;

beforeAll(() => registerBuiltinFormats());

describe('Defender event keys across formats', () => {
  it('are the same for the same events read as CSV, JSON and Event Hub, and distinct between events', () => {
    const hashes = (events: { eventHash?: number | null; eventKey: string | null }[]) =>
      events.map((e) => {
        expect(e.eventKey).toBeNull(); // no key string is built outside tests and debugging
        return e.eventHash;
      });
    const fromCsv = hashes(collectLogged(defenderCsvFormat, PLASO).events);
    const fromJson = hashes(collectLogged(defenderJsonFormat, jsonOf(ROWS)).events);
    const fromHub = hashes(collectLogged(defenderEventHubFormat, eventHubOf(ROWS)).events);
    expect(fromCsv).toHaveLength(20);
    expect(fromCsv.every((h) => typeof h === 'number' && Number.isSafeInteger(h) && h >= 0)).toBe(true);
    expect(new Set(fromCsv).size).toBe(20);
    expect([...fromJson].sort()).toEqual([...fromCsv].sort());
    expect([...fromHub].sort()).toEqual([...fromCsv].sort());
  });

  it('let an import of overlapping partial exports in two formats count every event once', async () => {
    const whole = await runImport(await newDb(), { files: [fileOf('all.csv', PLASO)], source }, opts);
    expect(whole.transactions).toBe(20);

    const db = await newDb();
    const r = await runImport(
      db,
      {
        files: [fileOf('first.csv', csvOf(ROWS.slice(0, 80))), fileOf('rest.json', jsonOf(ROWS.slice(40)))],
        source,
      },
      opts,
    );
    expect(r.files.map((f) => f.format)).toEqual(['defender-csv', 'defender-json']);
    expect(r.files[1].rowsDuplicate).toBeGreaterThan(0);
    expect(r.transactions).toBe(whole.transactions);
    expect(r.facts).toBe(whole.facts);

    // A later import into the same source, as Event Hub records: every event is already there.
    const again = await runImport(db, { files: [fileOf('hub.json', eventHubOf(ROWS))], source }, opts);
    expect(again.files[0].format).toBe('defender-eventhub');
    expect(again.transactions).toBe(0);
    expect(again.files[0].rowsDuplicate).toBe(20);
  });

  it('still match the keys an earlier version stored (hashes of the readable key) after an upgrade', async () => {
    const whole = await runImport(await newDb(), { files: [fileOf('all.csv', PLASO)], source }, opts);
    const db = await newDb();
    const first = await runImport(db, { files: [fileOf('first.csv', csvOf(ROWS.slice(0, 80)))], source }, opts);
    // Stored as the earlier version did: the readable DeviceId|Timestamp|ReportId hashed, no kind.
    const legacy = collectLogged(defenderCsvFormat, csvOf(ROWS.slice(0, 80)), { readableEventKeys: true }).events.map(
      (e) => hashKey(e.eventKey ?? ''),
    );
    const stored = await db.keyBlocks.where('sourceId').equals(first.sourceId).toArray();
    const events = stored.filter((b) => b.kind === 'events');
    expect(events).toHaveLength(1);
    await db.keyBlocks.delete(events[0].seq!);
    await db.keyBlocks.add({
      importId: events[0].importId,
      sourceId: first.sourceId,
      hashes: Float64Array.from(legacy),
    });

    const rest = await runImport(db, { files: [fileOf('rest.json', jsonOf(ROWS.slice(40)))], source }, opts);
    expect(rest.files[0].rowsDuplicate).toBeGreaterThan(0);
    expect(first.transactions + rest.transactions).toBe(whole.transactions);
  });
});
