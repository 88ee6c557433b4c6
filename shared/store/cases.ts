/**
 * The case registry: a tiny database of its own listing the investigations
 * (cases). Each case keeps its data in a separate case database, so deleting a
 * case is dropping one database, and a backup or restore never touches
 * another case. The database every install had before cases existed
 * (`cloudscope`) is the first case, "Default investigation", under its old
 * name — nothing is migrated.
 */
import Dexie, { type EntityTable } from 'dexie';
import type { OpenOptions } from './db';

export const CASES_DB_NAME = 'cloudscope-cases';
export const DEFAULT_CASE_ID = 'default';
export const DEFAULT_CASE_NAME = 'Default investigation';
/** The default case keeps the name of the single database Cloudscope had before cases. */
export const DEFAULT_CASE_DB = 'cloudscope';
export const MAX_CASE_NAME = 200;

export interface CaseRecord {
  id: string;
  name: string;
  createdAt: number;
  /** When the case was last opened; null for a case never opened. */
  openedAt: number | null;
}

export interface CaseRegistryOptions extends OpenOptions {
  /** The registry's own database name (tests use their own). */
  name?: string;
  now?: () => number;
}

type RegistryDb = Dexie & { cases: EntityTable<CaseRecord, 'id'> };

export class CaseError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CaseError';
  }
}

/** The database holding a case's data. */
export function caseDbName(id: string): string {
  return id === DEFAULT_CASE_ID ? DEFAULT_CASE_DB : `cloudscope-case-${id}`;
}

/** A fresh case id: time-ordered and safe inside a database name. */
export function newCaseId(now = Date.now()): string {
  return `${now.toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** A case name as stored: trimmed, not empty, bounded. */
export function cleanCaseName(name: unknown): string {
  const trimmed = typeof name === 'string' ? name.trim().replace(/\s+/g, ' ') : '';
  if (!trimmed) throw new CaseError('A case needs a name');
  if (trimmed.length > MAX_CASE_NAME) throw new CaseError(`A case name is at most ${MAX_CASE_NAME} characters`);
  return trimmed;
}

function dexieDeps(opts: OpenOptions) {
  return {
    ...(opts.indexedDB ? { indexedDB: opts.indexedDB } : {}),
    ...(opts.IDBKeyRange ? { IDBKeyRange: opts.IDBKeyRange } : {}),
  };
}

export class CaseRegistry {
  private constructor(
    private readonly db: RegistryDb,
    private readonly opts: CaseRegistryOptions,
  ) {}

  /** Opens the registry, creating it with the default case on first use. */
  static async open(opts: CaseRegistryOptions = {}): Promise<CaseRegistry> {
    const now = opts.now ?? Date.now;
    const db = new Dexie(opts.name ?? CASES_DB_NAME, dexieDeps(opts)) as RegistryDb;
    db.version(1).stores({ cases: '&id' });
    // Only when the registry is created: a default case the analyst deleted stays deleted.
    db.on('populate', (tx) => {
      tx.table('cases').add({ id: DEFAULT_CASE_ID, name: DEFAULT_CASE_NAME, createdAt: now(), openedAt: null });
    });
    await db.open();
    return new CaseRegistry(db, opts);
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** Every case, most recently opened first (never-opened ones last, newest first). */
  async listCases(): Promise<CaseRecord[]> {
    const all = await this.db.cases.toArray();
    return all.sort((a, b) => (b.openedAt ?? -1) - (a.openedAt ?? -1) || b.createdAt - a.createdAt);
  }

  async getCase(id: string): Promise<CaseRecord | null> {
    return (await this.db.cases.get(id)) ?? null;
  }

  private async require(id: string): Promise<CaseRecord> {
    const c = await this.getCase(id);
    if (!c) throw new CaseError('No such case', 'It may have been deleted in another window.');
    return c;
  }

  /** Registers a new, empty case (its database is created when first opened). */
  async createCase(name: string, id: string = newCaseId(this.now())): Promise<CaseRecord> {
    const rec: CaseRecord = { id, name: cleanCaseName(name), createdAt: this.now(), openedAt: null };
    await this.db.cases.add(rec);
    return rec;
  }

  async renameCase(id: string, name: string): Promise<CaseRecord> {
    const clean = cleanCaseName(name);
    const c = await this.require(id);
    await this.db.cases.update(id, { name: clean });
    return { ...c, name: clean };
  }

  /**
   * Deletes a case's database, then its entry: if the database cannot be
   * deleted the case stays listed, so nothing is left behind unlisted.
   */
  async deleteCase(id: string): Promise<void> {
    await this.require(id);
    await new Dexie(caseDbName(id), dexieDeps(this.opts)).delete();
    await this.db.cases.delete(id);
  }

  /**
   * Marks a case opened now and returns the name of its database. Opening
   * times only go up, so two cases opened within one millisecond still list
   * (and reopen at start) in the order they were opened.
   */
  async openCase(id: string): Promise<string> {
    await this.db.transaction('rw', this.db.cases, async () => {
      await this.require(id);
      let latest = -1;
      await this.db.cases.each((c) => {
        latest = Math.max(latest, c.openedAt ?? -1);
      });
      await this.db.cases.update(id, { openedAt: Math.max(this.now(), latest + 1) });
    });
    return caseDbName(id);
  }

  /** The case opened most recently, else the newest; null when there is none. */
  async lastOpened(): Promise<CaseRecord | null> {
    return (await this.listCases())[0] ?? null;
  }

  close(): void {
    this.db.close();
  }
}

/** Opens the case registry (real IndexedDB in the worker, fake-indexeddb in Node through `opts`). */
export function openCaseRegistry(opts: CaseRegistryOptions = {}): Promise<CaseRegistry> {
  return CaseRegistry.open(opts);
}
