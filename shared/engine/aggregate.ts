/**
 * Hourly fact aggregation: events → buckets keyed by (hour, device, user,
 * local IP, host), host being the hostname or, when none is known, the remote
 * IP. The app is deliberately not part of the key: it is derived at query time
 * so a newer catalog re-attributes past data without re-import.
 *
 * Bytes: NaN in a column means "unknown". A bucket's bytes are the sum of the
 * events that carried them; a bucket with no event that knew them stays NaN.
 *
 * Speed and memory (this runs once per event on files of millions of rows):
 * every string is interned once to a small id, and buckets live in an
 * open-addressing table keyed by the five integers — no key string is built
 * per event and none is kept per bucket (measured in bench/: a concatenated
 * string key per event cost a third of the aggregation time in garbage
 * collection, and ~130 bytes per bucket for the key alone).
 */

import type { NetworkEvent } from '../domain/event';
import { type ImportDictionary, packFactBlock } from '../store/fact-block';
import type { FactBlockRecord } from '../store/records';
import { resized } from './typed';

const HOUR = 3_600_000;

/** The device a fact belongs to: Defender's DeviceId, else the name, else the source IP. */
export function deviceKeyOf(e: NetworkEvent): string | null {
  return e.deviceId ?? (e.deviceName ? e.deviceName.toLowerCase() : null) ?? e.localIp;
}

/** One 32-bit round of MurmurHash3 over an integer. */
function mix(h: number, x: number): number {
  let k = Math.imul(x, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let r = h ^ k;
  r = (r << 13) | (r >>> 19);
  return (Math.imul(r, 5) + 0xe6546b64) | 0;
}

function bucketHash(hour: number, device: number, user: number, localIp: number, host: number): number {
  let h = mix(mix(mix(mix(mix(0x2545f491, hour), device), user), localIp), host);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class FactAggregator {
  /**
   * Every distinct string (device keys and names, users, IPs, hosts) → its id.
   * Parsers hand out substrings of big text chunks, and V8 keeps a whole chunk
   * alive while any slice of it is referenced; facts keep their strings for a
   * long time, so each distinct value is copied once into a string of its own.
   */
  private readonly ids = new Map<string, number>();
  private readonly values: string[] = [];
  private n = 0;
  private cap = 1024;
  /** Open addressing: fact index + 1 per slot, 0 = empty; kept at most half full. */
  private table = new Int32Array(2048);
  private deviceId = new Int32Array(this.cap);
  private deviceNameId = new Int32Array(this.cap);
  private userId = new Int32Array(this.cap);
  private localIpId = new Int32Array(this.cap);
  private hostId = new Int32Array(this.cap);
  hour = new Int32Array(this.cap);
  transactions = new Float64Array(this.cap);
  blocked = new Float64Array(this.cap);
  bytesUp = new Float64Array(this.cap);
  bytesDown = new Float64Array(this.cap);
  firstSeen = new Float64Array(this.cap);
  lastSeen = new Float64Array(this.cap);

  get size(): number {
    return this.n;
  }

  /** Id of a string (-1 for null), interning an own copy the first time. */
  private id(s: string | null): number {
    if (s === null) return -1;
    let id = this.ids.get(s);
    if (id === undefined) {
      const own = JSON.parse(JSON.stringify(s)) as string;
      id = this.values.length;
      this.values.push(own);
      this.ids.set(own, id);
    }
    return id;
  }

  /**
   * Last string and id per column: consecutive events mostly repeat the device, user and local IP,
   * and comparing with the previous string is cheaper than hashing a fresh one for the Map
   * (measured in bench/: a third of the interning time on Defender exports).
   */
  private readonly lastStr: (string | null)[] = [null, null, null, null, null];
  private readonly lastId = new Int32Array(5).fill(-1);

  private idAt(s: string | null, col: number): number {
    if (s === null) return -1;
    if (s === this.lastStr[col]) return this.lastId[col];
    const id = this.id(s);
    this.lastStr[col] = this.values[id];
    this.lastId[col] = id;
    return id;
  }

  private str(id: number): string | null {
    return id < 0 ? null : this.values[id];
  }

  add(e: NetworkEvent): void {
    const hour = Math.floor(e.time / HOUR);
    const device = this.idAt(deviceKeyOf(e), 0);
    const user = this.idAt(e.user, 1);
    const localIp = this.idAt(e.localIp, 2);
    const host = this.idAt(e.host ?? e.remoteIp, 3);
    const w = e.aggregate;
    const table = this.table;
    const mask = table.length - 1;
    let slot = bucketHash(hour, device, user, localIp, host) & mask;
    let i = -1;
    for (let v = table[slot]; v !== 0; v = table[slot]) {
      const j = v - 1;
      if (
        this.hour[j] === hour &&
        this.deviceId[j] === device &&
        this.userId[j] === user &&
        this.localIpId[j] === localIp &&
        this.hostId[j] === host
      ) {
        i = j;
        break;
      }
      slot = (slot + 1) & mask;
    }
    if (i < 0) {
      i = this.n++;
      if (i >= this.cap) this.grow();
      table[slot] = i + 1;
      this.hour[i] = hour;
      this.deviceId[i] = device;
      this.userId[i] = user;
      this.localIpId[i] = localIp;
      this.hostId[i] = host;
      const name = this.idAt(e.deviceName, 4);
      this.deviceNameId[i] = name;
      this.transactions[i] = 0;
      this.blocked[i] = 0;
      this.bytesUp[i] = NaN;
      this.bytesDown[i] = NaN;
      this.firstSeen[i] = w === undefined ? e.time : w.firstSeen;
      this.lastSeen[i] = w === undefined ? e.time : w.lastSeen;
      if (this.n * 2 > table.length) this.rehash();
    } else {
      const first = w === undefined ? e.time : w.firstSeen;
      const last = w === undefined ? e.time : w.lastSeen;
      if (first < this.firstSeen[i]) this.firstSeen[i] = first;
      if (last > this.lastSeen[i]) this.lastSeen[i] = last;
      if (e.deviceName && !this.str(this.deviceNameId[i])) this.deviceNameId[i] = this.id(e.deviceName);
    }
    if (w === undefined) {
      this.transactions[i] += 1;
      if (e.action === 'blocked') this.blocked[i] += 1;
    } else {
      // A pre-aggregated fact weighs its count.
      this.transactions[i] += w.count;
      this.blocked[i] += w.blocked;
    }
    if (e.bytesUp !== null) this.bytesUp[i] = Number.isNaN(this.bytesUp[i]) ? e.bytesUp : this.bytesUp[i] + e.bytesUp;
    if (e.bytesDown !== null) {
      this.bytesDown[i] = Number.isNaN(this.bytesDown[i]) ? e.bytesDown : this.bytesDown[i] + e.bytesDown;
    }
  }

  /**
   * Calls `each` with the device key and hour of the facts, once per run of a device's facts in the same
   * hour: a device's facts come hour by hour, about ten to a device hour, and the caller hashes each pair
   * it is given (measured: ~35 ms of the import's final flush on the 0.5M projected bench file, whose 188k
   * facts give 17.7k pairs this way). First occurrences come in fact order.
   */
  forEachDeviceHour(each: (device: string | null, hour: number) => void): void {
    const lastHour = new Float64Array(this.values.length).fill(Number.NaN);
    let noDeviceHour = Number.NaN;
    for (let i = 0; i < this.n; i++) {
      const d = this.deviceId[i];
      const h = this.hour[i];
      if (d < 0) {
        if (h === noDeviceHour) continue;
        noDeviceHour = h;
      } else {
        if (lastHour[d] === h) continue;
        lastHour[d] = h;
      }
      each(this.str(d), h);
    }
  }

  private grow(): void {
    this.cap *= 2;
    const g = <T extends Int32Array | Float64Array>(a: T): T => resized(a, this.cap);
    this.hour = g(this.hour);
    this.deviceId = g(this.deviceId);
    this.deviceNameId = g(this.deviceNameId);
    this.userId = g(this.userId);
    this.localIpId = g(this.localIpId);
    this.hostId = g(this.hostId);
    this.transactions = g(this.transactions);
    this.blocked = g(this.blocked);
    this.bytesUp = g(this.bytesUp);
    this.bytesDown = g(this.bytesDown);
    this.firstSeen = g(this.firstSeen);
    this.lastSeen = g(this.lastSeen);
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2);
    const mask = table.length - 1;
    for (let i = 0; i < this.n; i++) {
      let slot = bucketHash(this.hour[i], this.deviceId[i], this.userId[i], this.localIpId[i], this.hostId[i]) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = i + 1;
    }
    this.table = table;
  }

  /**
   * Packs the facts into column blocks of at most `blockSize` rows, each column in the narrowest type that holds
   * it exactly (packFactBlock). With `dict`, the ids are the import dictionary's and each block carries the
   * strings it adds to it (`dictFrom`); without, each block interns its own strings.
   */
  toBlocks(importId: string, sourceId: string, blockSize = 4096, dict?: ImportDictionary): FactBlockRecord[] {
    const blocks: FactBlockRecord[] = [];
    // Global string id → id within the current block, or in the import dictionary (-1: not known yet).
    const local = new Int32Array(this.values.length).fill(-1);
    for (let start = 0; start < this.n; start += blockSize) {
      const end = Math.min(this.n, start + blockSize);
      const count = end - start;
      let strings: string[] = [];
      const used: number[] = [];
      const col = (ids: Int32Array) => {
        const out = new Int32Array(count);
        for (let i = 0; i < count; i++) {
          const g = ids[start + i];
          if (g < 0) {
            out[i] = -1;
            continue;
          }
          let l = local[g];
          if (l < 0) {
            if (dict) l = dict.id(this.values[g]);
            else {
              l = strings.length;
              strings.push(this.values[g]);
              used.push(g);
            }
            local[g] = l;
          }
          out[i] = l;
        }
        return out;
      };
      const ids = {
        device: col(this.deviceId),
        deviceName: col(this.deviceNameId),
        user: col(this.userId),
        localIp: col(this.localIpId),
        host: col(this.hostId),
      };
      let dictFrom: { dictFrom: number } | null = null;
      if (dict) {
        const added = dict.take();
        strings = added.strings;
        dictFrom = { dictFrom: added.dictFrom };
      }
      blocks.push(
        packFactBlock({
          importId,
          sourceId,
          count,
          ...dictFrom,
          hour: this.hour.slice(start, end),
          ...ids,
          transactions: this.transactions.slice(start, end),
          blocked: this.blocked.slice(start, end),
          bytesUp: this.bytesUp.slice(start, end),
          bytesDown: this.bytesDown.slice(start, end),
          firstSeen: this.firstSeen.slice(start, end),
          lastSeen: this.lastSeen.slice(start, end),
          strings,
        }),
      );
      for (const g of used) local[g] = -1;
    }
    return blocks;
  }
}
