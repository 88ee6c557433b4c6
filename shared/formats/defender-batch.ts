/**
 * Rows read by `prepRow` in a scan worker, sent to the normaliser as columns: typed arrays
 * (moved, not copied, between threads) and the strings they point at, each string sent once
 * per worker. The reader hands every row back as a DefenderPrep, the same one the normaliser
 * gets when it reads a row itself, so both paths meet the same `take`.
 */
import type { EventAction } from '../domain/event';
import { type DefenderPrep, emptyPrep, PrepKind } from './defender-common';

/** The rows of one part, as sent from a scan worker (arrays may be longer than `rows`: they are reused). */
export interface PrepBatch {
  rows: number;
  /** Physical lines the part spans. */
  lines: number;
  /** Strings first used in this batch; their ids continue the worker's earlier batches. */
  strings: string[];
  /**
   * Inspections' uids, sent with their batch only (id -2 - k is `uids[k]`): each is new (one per
   * inspection), so numbering them in the worker's table only grew it and its Map.
   */
  uids: string[];
  kind: Uint8Array;
  line: Int32Array;
  action: Uint8Array;
  /** String ids, -1 for null: reason, deviceId, deviceName, devKey, user, localIp, remoteIp, host, url, process, uid (see `uids`), dnsName. */
  ids: Int32Array;
  time: Float64Array;
  hash: Float64Array;
  /** bytesUp, bytesDown per row; NaN for null. */
  bytes: Float64Array;
  /** remotePort, localPort, socket key per row. */
  ints: Int32Array;
  /** Row r's DNS answers are dnsIps[dnsStart[r], dnsStart[r + 1]) (string ids). */
  dnsStart: Int32Array;
  dnsIps: Int32Array;
}

const ID_COLS = 12;
const ACTIONS: EventAction[] = ['allowed', 'blocked', 'failed'];
const ACTION_CODE: Record<EventAction, number> = { allowed: 0, blocked: 1, failed: 2 };

/** The typed arrays of a batch, for a transfer list. */
export function batchBuffers(b: PrepBatch): ArrayBuffer[] {
  return [b.kind, b.line, b.action, b.ids, b.time, b.hash, b.bytes, b.ints, b.dnsStart, b.dnsIps].map(
    (a) => a.buffer as ArrayBuffer,
  );
}

/** Worker side: collects rows and numbers the strings (one table per worker, across its batches). */
export class PrepBatchWriter {
  private readonly ids = new Map<string, number>();
  private fresh: string[] = [];
  private uids: string[] = [];
  private n = 0;
  private cap = 0;
  private kind: Uint8Array = new Uint8Array(0);
  private line: Int32Array = new Int32Array(0);
  private action: Uint8Array = new Uint8Array(0);
  private idCols: Int32Array = new Int32Array(0);
  private time: Float64Array = new Float64Array(0);
  private hash: Float64Array = new Float64Array(0);
  private bytes: Float64Array = new Float64Array(0);
  private ints: Int32Array = new Int32Array(0);
  private dnsStart: number[] = [];
  private dnsIps: number[] = [];
  private anyDns = false;

  /** Arrays of batches the reader has finished with. */
  private readonly spare: PrepBatch[] = [];

  /** Starts a batch sized for about `rows` rows (it grows if needed), in returned arrays when there are some. */
  begin(rows: number): void {
    this.n = 0;
    this.fresh = [];
    this.uids = [];
    this.dnsIps = [];
    this.dnsStart = [];
    this.anyDns = false;
    const want = Math.max(16, rows);
    const old = this.spare.pop();
    if (old && old.kind.length >= want) {
      this.cap = old.kind.length;
      this.kind = old.kind;
      this.line = old.line;
      this.action = old.action;
      this.idCols = old.ids;
      this.time = old.time;
      this.hash = old.hash;
      this.bytes = old.bytes;
      this.ints = old.ints;
    } else this.alloc(want);
  }

  /** Takes back the arrays of a batch the reader has finished with. */
  recycle(b: PrepBatch): void {
    if (this.spare.length < 4) this.spare.push(b);
  }

  add(p: DefenderPrep): void {
    if (this.n === this.cap) this.grow();
    const r = this.n++;
    this.kind[r] = p.kind;
    this.line[r] = p.line;
    this.action[r] = ACTION_CODE[p.action];
    const ids = this.idCols;
    const o = r * ID_COLS;
    // No reason (every event's) is -1, read back as '', without a lookup.
    ids[o] = p.reason.length === 0 ? -1 : this.id(p.reason);
    if (p.kind === PrepKind.Connection || p.kind === PrepKind.Inspection) {
      ids[o + 1] = this.id(p.deviceId);
      ids[o + 2] = this.id(p.deviceName);
      // The device key is the DeviceId when there is one: the same string, the same id.
      ids[o + 3] = p.devKey === p.deviceId ? ids[o + 1] : this.id(p.devKey);
      ids[o + 4] = this.id(p.user);
      ids[o + 5] = this.id(p.localIp);
      ids[o + 6] = this.id(p.remoteIp);
      ids[o + 7] = this.id(p.host);
      ids[o + 8] = this.id(p.url);
      ids[o + 9] = this.id(p.process);
      if (p.uid === null) ids[o + 10] = -1;
      else {
        ids[o + 10] = -2 - this.uids.length;
        this.uids.push(p.uid);
      }
      ids[o + 11] = -1;
      this.time[r] = p.time;
      this.hash[r] = p.eventHash;
      this.bytes[r * 2] = p.bytesUp ?? Number.NaN;
      this.bytes[r * 2 + 1] = p.bytesDown ?? Number.NaN;
      this.ints[r * 3] = p.remotePort;
      this.ints[r * 3 + 1] = p.localPort;
      this.ints[r * 3 + 2] = p.key;
    } else if (p.kind === PrepKind.Dns) {
      ids[o + 3] = this.id(p.devKey);
      ids[o + 11] = this.id(p.dnsName);
      if (!this.anyDns) {
        this.anyDns = true;
        for (let i = 0; i < r; i++) this.dnsStart.push(0);
      }
      this.dnsStart.push(this.dnsIps.length);
      for (const ip of p.dnsIps) this.dnsIps.push(this.id(ip));
      return;
    }
    if (this.anyDns) this.dnsStart.push(this.dnsIps.length);
  }

  /** The batch so far, in the writer's arrays (moved to the reader); the writer starts again with `begin`. */
  finish(lines: number): PrepBatch {
    const n = this.n;
    if (this.anyDns) this.dnsStart.push(this.dnsIps.length);
    return {
      rows: n,
      lines,
      strings: this.fresh,
      uids: this.uids,
      kind: this.kind,
      line: this.line,
      action: this.action,
      ids: this.idCols,
      time: this.time,
      hash: this.hash,
      bytes: this.bytes,
      ints: this.ints,
      dnsStart: this.anyDns ? Int32Array.from(this.dnsStart) : new Int32Array(0),
      dnsIps: Int32Array.from(this.dnsIps),
    };
  }

  private id(s: string | null): number {
    if (s === null) return -1;
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.ids.size;
      this.ids.set(s, i);
      this.fresh.push(s);
    }
    return i;
  }

  private alloc(cap: number): void {
    this.cap = cap;
    this.kind = new Uint8Array(cap);
    this.line = new Int32Array(cap);
    this.action = new Uint8Array(cap);
    this.idCols = new Int32Array(cap * ID_COLS);
    this.time = new Float64Array(cap);
    this.hash = new Float64Array(cap);
    this.bytes = new Float64Array(cap * 2);
    this.ints = new Int32Array(cap * 3);
  }

  private grow(): void {
    const { kind, line, action, idCols, time, hash, bytes, ints, n } = this;
    this.alloc(this.cap * 2);
    this.kind.set(kind.subarray(0, n));
    this.line.set(line.subarray(0, n));
    this.action.set(action.subarray(0, n));
    this.idCols.set(idCols.subarray(0, n * ID_COLS));
    this.time.set(time.subarray(0, n));
    this.hash.set(hash.subarray(0, n));
    this.bytes.set(bytes.subarray(0, n * 2));
    this.ints.set(ints.subarray(0, n * 3));
  }
}

/** Normaliser side: one per worker (its string table grows with each batch, in the order sent). */
export class PrepBatchReader {
  private readonly table: string[] = [];
  private readonly prep = emptyPrep();

  /** Takes the batch's new strings without its rows (a part the normaliser's thread reads itself). */
  strings(b: PrepBatch): void {
    for (const s of b.strings) this.table.push(s);
  }

  /** Calls `each` with every row of the batch, lines moved by `lineBase` (the line before the part). */
  read(b: PrepBatch, lineBase: number, each: (p: DefenderPrep) => void): void {
    const table = this.table;
    for (const s of b.strings) table.push(s);
    const str = (id: number): string | null => (id < 0 ? null : table[id]);
    const p = this.prep;
    const { kind, line, action, ids, time, hash, bytes, ints, dnsStart, dnsIps, uids } = b;
    for (let r = 0; r < b.rows; r++) {
      const k = kind[r] as PrepKind;
      const o = r * ID_COLS;
      p.kind = k;
      p.line = line[r] + lineBase;
      p.reason = ids[o] < 0 ? '' : table[ids[o]];
      if (k === PrepKind.Connection || k === PrepKind.Inspection) {
        p.deviceId = str(ids[o + 1]);
        p.deviceName = str(ids[o + 2]);
        p.devKey = table[ids[o + 3]];
        p.user = str(ids[o + 4]);
        p.localIp = str(ids[o + 5]);
        p.remoteIp = str(ids[o + 6]);
        p.host = str(ids[o + 7]);
        p.url = str(ids[o + 8]);
        p.process = str(ids[o + 9]);
        const uid = ids[o + 10];
        p.uid = uid === -1 ? null : uids[-2 - uid];
        p.time = time[r];
        p.eventHash = hash[r];
        // Only readable keys need the ReportId once the hash is known; scan workers are not used for them.
        p.reportId = '';
        const up = bytes[r * 2];
        const down = bytes[r * 2 + 1];
        p.bytesUp = Number.isNaN(up) ? null : up;
        p.bytesDown = Number.isNaN(down) ? null : down;
        p.remotePort = ints[r * 3];
        p.localPort = ints[r * 3 + 1];
        p.key = ints[r * 3 + 2];
        p.action = ACTIONS[action[r]];
      } else if (k === PrepKind.Dns) {
        p.devKey = table[ids[o + 3]];
        p.dnsName = str(ids[o + 11]);
        p.dnsIps.length = 0;
        for (let i = dnsStart[r]; i < dnsStart[r + 1]; i++) p.dnsIps.push(table[dnsIps[i]]);
      }
      each(p);
    }
  }
}
