// The case registry over fake-indexeddb: the old database is the default case, each case has its own database.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import {
  type CaseRegistry,
  caseDbName,
  DEFAULT_CASE_DB,
  DEFAULT_CASE_ID,
  DEFAULT_CASE_NAME,
  openCaseRegistry,
} from './cases';
import { openDb } from './db';

let n = 0;
let clock = Date.UTC(2026, 0, 1);
const now = () => ++clock;
const registry = (): Promise<CaseRegistry> =>
  openCaseRegistry({ name: `cases-test-${n++}`, indexedDB, IDBKeyRange, now });

async function databaseNames(): Promise<string[]> {
  return (await indexedDB.databases()).map((d) => d.name!);
}

describe('case registry', () => {
  it('starts with the default investigation, whose database is the pre-cases one', async () => {
    const r = await registry();
    const cases = await r.listCases();
    expect(cases).toEqual([
      { id: DEFAULT_CASE_ID, name: DEFAULT_CASE_NAME, createdAt: expect.any(Number), openedAt: null },
    ]);
    expect(await r.openCase(DEFAULT_CASE_ID)).toBe(DEFAULT_CASE_DB);
    expect(DEFAULT_CASE_DB).toBe('cloudscope');
  });

  it('keeps data written to the old database visible as the default case, with no migration', async () => {
    const old = await openDb(DEFAULT_CASE_DB, { indexedDB, IDBKeyRange });
    await old.kv.put({ key: 'before-cases', value: true });
    old.close();
    const r = await registry();
    const db = await openDb(await r.openCase(DEFAULT_CASE_ID), { indexedDB, IDBKeyRange });
    expect(await db.kv.get('before-cases')).toEqual({ key: 'before-cases', value: true });
    db.close();
  });

  it('creates, renames, opens and lists cases, most recently opened first', async () => {
    const r = await registry();
    const a = await r.createCase('  Phishing   wave ');
    const b = await r.createCase('Insider');
    expect(a.name).toBe('Phishing wave');
    expect(a.id).not.toBe(b.id);
    expect(caseDbName(a.id)).toBe(`cloudscope-case-${a.id}`);
    expect(await r.openCase(a.id)).toBe(`cloudscope-case-${a.id}`);
    expect((await r.listCases()).map((c) => c.name)).toEqual(['Phishing wave', 'Insider', DEFAULT_CASE_NAME]);
    await r.openCase(b.id);
    expect((await r.lastOpened())?.id).toBe(b.id);
    expect((await r.renameCase(a.id, 'Phishing wave (Q2)')).name).toBe('Phishing wave (Q2)');
    expect((await r.getCase(a.id))?.name).toBe('Phishing wave (Q2)');
    await expect(r.createCase('   ')).rejects.toThrow(/needs a name/);
    await expect(r.renameCase(a.id, 'x'.repeat(201))).rejects.toThrow(/at most 200/);
    await expect(r.renameCase('nope', 'x')).rejects.toThrow(/No such case/);
    await expect(r.openCase('nope')).rejects.toThrow(/No such case/);
  });

  it('keeps each case in its own database, and deleting a case drops its database only', async () => {
    const r = await registry();
    const a = await r.createCase('A');
    const b = await r.createCase('B');
    const dbA = await openDb(await r.openCase(a.id), { indexedDB, IDBKeyRange });
    const dbB = await openDb(await r.openCase(b.id), { indexedDB, IDBKeyRange });
    await dbA.kv.put({ key: 'who', value: 'A' });
    await dbB.kv.put({ key: 'who', value: 'B' });
    expect((await dbA.kv.get('who'))?.value).toBe('A');
    dbA.close();
    dbB.close();
    expect(await databaseNames()).toContain(caseDbName(a.id));
    await r.deleteCase(a.id);
    expect(await databaseNames()).not.toContain(caseDbName(a.id));
    expect(await r.getCase(a.id)).toBeNull();
    const again = await openDb(caseDbName(b.id), { indexedDB, IDBKeyRange });
    expect((await again.kv.get('who'))?.value).toBe('B');
    again.close();
  });

  it('orders cases opened within one millisecond by the order they were opened', async () => {
    const r = await openCaseRegistry({ name: `cases-test-${n++}`, indexedDB, IDBKeyRange, now: () => 1000 });
    const a = await r.createCase('A');
    const b = await r.createCase('B');
    await r.openCase(b.id);
    await r.openCase(a.id);
    await r.openCase(DEFAULT_CASE_ID);
    expect((await r.listCases()).map((c) => c.name)).toEqual([DEFAULT_CASE_NAME, 'A', 'B']);
    expect((await r.lastOpened())?.id).toBe(DEFAULT_CASE_ID);
  });

  it('does not bring back a deleted default case when reopened', async () => {
    const name = `cases-test-${n++}`;
    const r = await openCaseRegistry({ name, indexedDB, IDBKeyRange, now });
    await r.createCase('Kept');
    await r.deleteCase(DEFAULT_CASE_ID);
    r.close();
    const again = await openCaseRegistry({ name, indexedDB, IDBKeyRange, now });
    expect((await again.listCases()).map((c) => c.name)).toEqual(['Kept']);
  });
});
