/**
 * The in-memory working set the worker (and the CLI) answers queries from:
 * every committed fact of the chosen sources, concatenated into columns with
 * one global string dictionary. The store is the durable copy; this is the
 * query engine. Rebuilt after each import commit.
 */
import type { CloudscopeDb } from '../store/db';
import type { FactBlockRecord } from '../store/records';

export class StringPool {
  readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();
  /** The id of `s` if the pool has it, else -1 (never adds). */
  find(s: string): number {
    return this.ids.get(s) ?? -1;
  }
  id(s: string): number {
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.ids.set(s, i);
    }
    return i;
  }
}

export class WorkingSet {
  n = 0;
  private cap = 0;
  readonly pool = new StringPool();
  source = new Int32Array(0);
  hour = new Int32Array(0);
  device = new Int32Array(0);
  deviceName = new Int32Array(0);
  user = new Int32Array(0);
  localIp = new Int32Array(0);
  host = new Int32Array(0);
  transactions = new Float64Array(0);
  blocked = new Float64Array(0);
  bytesUp = new Float64Array(0);
  bytesDown = new Float64Array(0);
  firstSeen = new Float64Array(0);
  lastSeen = new Float64Array(0);

  private ensure(extra: number): void {
    if (this.n + extra <= this.cap) return;
    this.cap = Math.max(1024, (this.n + extra) * 2);
    const g = <T extends Int32Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(this.cap);
      b.set(a.subarray(0, this.n));
      return b;
    };
    this.source = g(this.source);
    this.hour = g(this.hour);
    this.device = g(this.device);
    this.deviceName = g(this.deviceName);
    this.user = g(this.user);
    this.localIp = g(this.localIp);
    this.host = g(this.host);
    this.transactions = g(this.transactions);
    this.blocked = g(this.blocked);
    this.bytesUp = g(this.bytesUp);
    this.bytesDown = g(this.bytesDown);
    this.firstSeen = g(this.firstSeen);
    this.lastSeen = g(this.lastSeen);
  }

  /** Appends one stored block, re-mapping its local string ids into the global pool. */
  addBlock(b: FactBlockRecord): void {
    this.ensure(b.count);
    const map = new Int32Array(b.strings.length);
    for (let i = 0; i < b.strings.length; i++) map[i] = this.pool.id(b.strings[i]);
    const src = this.pool.id(b.sourceId);
    const remap = (v: number) => (v < 0 ? -1 : map[v]);
    for (let i = 0; i < b.count; i++) {
      const j = this.n + i;
      this.source[j] = src;
      this.hour[j] = b.hour[i];
      this.device[j] = remap(b.device[i]);
      this.deviceName[j] = remap(b.deviceName[i]);
      this.user[j] = remap(b.user[i]);
      this.localIp[j] = remap(b.localIp[i]);
      this.host[j] = remap(b.host[i]);
      this.transactions[j] = b.transactions[i];
      this.blocked[j] = b.blocked[i];
      this.bytesUp[j] = b.bytesUp[i];
      this.bytesDown[j] = b.bytesDown[i];
      this.firstSeen[j] = b.firstSeen[i];
      this.lastSeen[j] = b.lastSeen[i];
    }
    this.n += b.count;
  }

  str(id: number): string | null {
    return id < 0 ? null : this.pool.strings[id];
  }

  /** Loads the committed facts of the given imports (all committed imports when omitted). */
  static async load(db: CloudscopeDb, importIds?: readonly string[]): Promise<WorkingSet> {
    const ids = importIds ?? (await db.imports.where('status').equals('committed').primaryKeys());
    const ws = new WorkingSet();
    for (const id of ids) {
      await db.factBlocks
        .where('importId')
        .equals(id)
        .each((b) => ws.addBlock(b));
    }
    return ws;
  }
}
