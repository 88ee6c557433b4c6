/**
 * Hourly fact aggregation: events → buckets keyed by (hour, device, user,
 * local IP, host), host being the hostname or, when none is known, the remote
 * IP. The app is deliberately not part of the key: it is derived at query time
 * so a newer catalog re-attributes past data without re-import.
 *
 * Bytes: NaN in a column means "unknown". A bucket's bytes are the sum of the
 * events that carried them; a bucket with no event that knew them stays NaN.
 */
import type { NetworkEvent } from '../domain/event';
import type { FactBlockRecord } from '../store/records';

const HOUR = 3_600_000;

/** The device a fact belongs to: Defender's DeviceId, else the name, else the source IP. */
export function deviceKeyOf(e: NetworkEvent): string | null {
  return e.deviceId ?? (e.deviceName ? e.deviceName.toLowerCase() : null) ?? e.localIp;
}

/**
 * Parsers hand out substrings of big text chunks; V8 keeps a whole chunk alive
 * while any slice of it is referenced. Facts keep their strings for a long
 * time, so each distinct value is copied once into a string of its own.
 */
class OwnStrings {
  private readonly map = new Map<string, string>();
  own(s: string | null): string | null {
    if (s === null) return null;
    let o = this.map.get(s);
    if (o === undefined) {
      o = JSON.parse(JSON.stringify(s)) as string;
      this.map.set(o, o);
    }
    return o;
  }
}

export class FactAggregator {
  private readonly index = new Map<string, number>();
  private readonly strings = new OwnStrings();
  private n = 0;
  private cap = 1024;
  hour = new Int32Array(this.cap);
  transactions = new Float64Array(this.cap);
  blocked = new Float64Array(this.cap);
  bytesUp = new Float64Array(this.cap);
  bytesDown = new Float64Array(this.cap);
  firstSeen = new Float64Array(this.cap);
  lastSeen = new Float64Array(this.cap);
  device: (string | null)[] = [];
  deviceName: (string | null)[] = [];
  user: (string | null)[] = [];
  localIp: (string | null)[] = [];
  host: (string | null)[] = [];

  get size(): number {
    return this.n;
  }

  add(e: NetworkEvent): void {
    const hour = Math.floor(e.time / HOUR);
    const device = deviceKeyOf(e);
    const host = e.host ?? e.remoteIp;
    const key = `${hour}\u0001${device}\u0001${e.user}\u0001${e.localIp}\u0001${host}`;
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.n++;
      if (i >= this.cap) this.grow();
      this.index.set(key, i);
      this.hour[i] = hour;
      this.transactions[i] = 0;
      this.blocked[i] = 0;
      this.bytesUp[i] = NaN;
      this.bytesDown[i] = NaN;
      this.firstSeen[i] = e.time;
      this.lastSeen[i] = e.time;
      const own = this.strings;
      this.device.push(own.own(device));
      this.deviceName.push(own.own(e.deviceName));
      this.user.push(own.own(e.user));
      this.localIp.push(own.own(e.localIp));
      this.host.push(own.own(host));
    } else {
      if (e.time < this.firstSeen[i]) this.firstSeen[i] = e.time;
      if (e.time > this.lastSeen[i]) this.lastSeen[i] = e.time;
      if (e.deviceName && !this.deviceName[i]) this.deviceName[i] = this.strings.own(e.deviceName);
    }
    this.transactions[i] += 1;
    if (e.action === 'blocked') this.blocked[i] += 1;
    if (e.bytesUp !== null) this.bytesUp[i] = Number.isNaN(this.bytesUp[i]) ? e.bytesUp : this.bytesUp[i] + e.bytesUp;
    if (e.bytesDown !== null) {
      this.bytesDown[i] = Number.isNaN(this.bytesDown[i]) ? e.bytesDown : this.bytesDown[i] + e.bytesDown;
    }
  }

  private grow(): void {
    this.cap *= 2;
    const g = <T extends Int32Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(this.cap);
      b.set(a);
      return b;
    };
    this.hour = g(this.hour);
    this.transactions = g(this.transactions);
    this.blocked = g(this.blocked);
    this.bytesUp = g(this.bytesUp);
    this.bytesDown = g(this.bytesDown);
    this.firstSeen = g(this.firstSeen);
    this.lastSeen = g(this.lastSeen);
  }

  /** Packs the facts into column blocks of at most `blockSize` rows, strings interned per block. */
  toBlocks(importId: string, sourceId: string, blockSize = 4096): FactBlockRecord[] {
    const blocks: FactBlockRecord[] = [];
    for (let start = 0; start < this.n; start += blockSize) {
      const end = Math.min(this.n, start + blockSize);
      const count = end - start;
      const strings: string[] = [];
      const ids = new Map<string, number>();
      const intern = (s: string | null): number => {
        if (s === null) return -1;
        let id = ids.get(s);
        if (id === undefined) {
          id = strings.length;
          strings.push(s);
          ids.set(s, id);
        }
        return id;
      };
      const col = (src: (string | null)[]) => {
        const out = new Int32Array(count);
        for (let i = 0; i < count; i++) out[i] = intern(src[start + i]);
        return out;
      };
      blocks.push({
        importId,
        sourceId,
        count,
        hour: this.hour.slice(start, end),
        device: col(this.device),
        deviceName: col(this.deviceName),
        user: col(this.user),
        localIp: col(this.localIp),
        host: col(this.host),
        transactions: this.transactions.slice(start, end),
        blocked: this.blocked.slice(start, end),
        bytesUp: this.bytesUp.slice(start, end),
        bytesDown: this.bytesDown.slice(start, end),
        firstSeen: this.firstSeen.slice(start, end),
        lastSeen: this.lastSeen.slice(start, end),
        strings,
      });
    }
    return blocks;
  }
}
