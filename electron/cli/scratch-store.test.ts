// analyze's scratch store: the facts move into the working set and leave the store.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runImport } from '../../shared/engine/import';
import { Sha256 } from '../../shared/engine/sha256';
import { WorkingSet } from '../../shared/engine/working-set';
import { registerBuiltinFormats } from '../../shared/formats/index';
import { moveFactsToWorkingSet, openScratchDb } from './scratch-store';

const PLASO = readFileSync('shared/formats/fixtures/defender/plaso/advanced_hunting_test.csv');
const SQUID = readFileSync('shared/formats/fixtures/squid/test-access-extensive.log');
const file = (name: string, bytes: Uint8Array) => ({
  name,
  size: bytes.byteLength,
  stream: new Blob([new Uint8Array(bytes)]).stream(),
});
const opts = { createHasher: () => new Sha256(), blockSize: 3 };

function columns(ws: WorkingSet) {
  const c = (a: ArrayLike<number>) => Array.from(a).slice(0, ws.n);
  return {
    n: ws.n,
    strings: ws.pool.strings,
    source: c(ws.source),
    hour: c(ws.hour),
    device: c(ws.device),
    deviceName: c(ws.deviceName),
    user: c(ws.user),
    localIp: c(ws.localIp),
    host: c(ws.host),
    transactions: c(ws.transactions),
    blocked: c(ws.blocked),
    bytesUp: c(ws.bytesUp),
    bytesDown: c(ws.bytesDown),
    firstSeen: c(ws.firstSeen),
    lastSeen: c(ws.lastSeen),
  };
}

beforeAll(() => registerBuiltinFormats());

describe('moveFactsToWorkingSet', () => {
  it('builds the working set WorkingSet.load would, and empties the store of facts and keys', async () => {
    const db = await openScratchDb();
    const r = await runImport(
      db,
      { files: [file('a.csv', PLASO), file('b.log', SQUID)], source: { kind: 'continuous' } },
      opts,
    );
    const importId = r.importId as string;
    expect(importId).toBeTruthy();
    expect(await db.factBlocks.count()).toBeGreaterThan(2);
    expect(await db.keyBlocks.where('importId').equals(importId).count()).toBeGreaterThan(0);
    const loaded = await WorkingSet.load(db, [importId]);
    const moved = await moveFactsToWorkingSet(db, [importId]);
    expect(moved.n).toBe(r.facts);
    expect(columns(moved)).toEqual(columns(loaded));
    expect(moved.hour.length).toBe(r.facts);
    expect(await db.factBlocks.count()).toBe(0);
    expect(await db.keyBlocks.count()).toBe(0);
    expect((await db.imports.get(importId))?.status).toBe('committed');
    expect(await db.dataSources.get(r.sourceId)).toBeDefined();
    await db.delete();
  });

  it('gives each run its own empty store', async () => {
    const a = await openScratchDb();
    await runImport(a, { files: [file('b.log', SQUID)], source: { kind: 'continuous' } }, opts);
    const b = await openScratchDb();
    expect(a.name).not.toBe(b.name);
    expect(await b.imports.count()).toBe(0);
    await a.delete();
    await b.delete();
  });
});
