/**
 * Hand-built working sets for the risk, rollup and signal tests (and quick
 * experiments): facts written as plain rows — day, hour, device, host,
 * transactions, bytes — packed into one block the way an import stores them.
 */
import type { CatalogApp, CatalogFile } from '../catalog/types';
import type { WideFactBlock } from '../store/fact-block';
import type { FactBlockRecord } from '../store/records';
import { WorkingSet } from './working-set';

export const FIXTURE_T0 = Date.UTC(2026, 9, 5); // Monday 5 Oct 2026
const HOUR = 3_600_000;
const DAY = 86_400_000;

export interface FixtureFact {
  /** Days after FIXTURE_T0 (or `t0`). */
  day: number;
  /** UTC hour of the day. */
  hour: number;
  device: string;
  deviceName?: string;
  user?: string;
  ip?: string;
  host: string;
  tx: number;
  /** Bytes; omitted means unknown (NaN), never 0. */
  up?: number;
  down?: number;
  source?: string;
}

export function fixtureBlock(facts: readonly FixtureFact[], t0 = FIXTURE_T0): FactBlockRecord {
  const strings: string[] = [];
  const ids = new Map<string, number>();
  const id = (s: string | undefined) => {
    if (s === undefined) return -1;
    let i = ids.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      ids.set(s, i);
    }
    return i;
  };
  const n = facts.length;
  const b: WideFactBlock = {
    importId: 'fixture',
    sourceId: facts[0]?.source ?? 'src-fixture',
    count: n,
    strings,
    hour: new Int32Array(n),
    device: new Int32Array(n),
    deviceName: new Int32Array(n),
    user: new Int32Array(n),
    localIp: new Int32Array(n),
    host: new Int32Array(n),
    transactions: new Float64Array(n),
    blocked: new Float64Array(n),
    bytesUp: new Float64Array(n),
    bytesDown: new Float64Array(n),
    firstSeen: new Float64Array(n),
    lastSeen: new Float64Array(n),
  };
  facts.forEach((f, i) => {
    const start = t0 + f.day * DAY + f.hour * HOUR;
    b.hour[i] = Math.floor(start / HOUR);
    b.device[i] = id(f.device);
    b.deviceName[i] = id(f.deviceName);
    b.user[i] = id(f.user);
    b.localIp[i] = id(f.ip);
    b.host[i] = id(f.host);
    b.transactions[i] = f.tx;
    b.bytesUp[i] = f.up ?? Number.NaN;
    b.bytesDown[i] = f.down ?? Number.NaN;
    b.firstSeen[i] = start + 60_000;
    b.lastSeen[i] = start + 50 * 60_000;
  });
  return b;
}

/** A working set of the given facts, one block per data source. */
export function fixtureWorkingSet(facts: readonly FixtureFact[], t0 = FIXTURE_T0): WorkingSet {
  const ws = new WorkingSet();
  const bySource = new Map<string, FixtureFact[]>();
  for (const f of facts) {
    const s = f.source ?? 'src-fixture';
    const list = bySource.get(s) ?? [];
    list.push(f);
    bySource.set(s, list);
  }
  for (const list of bySource.values()) ws.addBlock(fixtureBlock(list, t0));
  return ws;
}

/** A catalog app with no risk attributes (its score comes from an override in tests). */
export function fixtureApp(id: string, name: string, domains: string[], extra: Partial<CatalogApp> = {}): CatalogApp {
  return {
    id,
    name,
    vendor: name,
    category: 'Collaboration',
    homepage: `https://${domains[0]}`,
    domains,
    hq: null,
    founded: null,
    holding: 'unknown',
    attributes: {},
    sources: [],
    ...extra,
  };
}

export function fixtureCatalog(apps: CatalogApp[]): CatalogFile {
  return { version: 'fixture', date: '2026-01-01', apps };
}

/**
 * Six proxy clients at work on weekdays for three weeks (from `start`, Unix s), as a W3C proxy log with upload byte
 * counts (cs-bytes): 2,000 bytes a request to worky.com (200 KB a working day), and client 2 sending 60 MB to
 * dropbox.com on day 15 (an upload spike past its baseline). A device's first week, before its upload baseline, is
 * judged against the threshold alone: a base computed with the default threshold leaves those days' 200 KB out, so a
 * threshold judging them (below 800 KB) computes the bases again.
 */
export function uploadFleetLog(start: number): Uint8Array {
  const lines: string[] = [];
  const line = (t: number, ip: string, host: string, user: string, up: number) => {
    const iso = new Date(t * 1000).toISOString();
    lines.push(`${iso.slice(0, 10)} ${iso.slice(11, 19)} ${ip} ${user} ${host} ${up} 9000`);
  };
  for (let day = 0; day < 21; day++)
    for (let k = 1; k <= 6; k++) {
      const ip = `10.9.0.${k}`;
      if (day % 7 < 5)
        for (let h = 8; h < 18; h++)
          for (let j = 0; j < 10; j++)
            line(start + day * 86_400 + h * 3600 + j * 60, ip, 'www.worky.com', `u${k}`, 2000);
      if (k === 2 && day === 15)
        line(start + day * 86_400 + 14 * 3600, ip, 'www.dropbox.com', `u${k}`, 60 * 1024 * 1024);
    }
  lines.sort();
  return new TextEncoder().encode(
    `#Software: test\n#Fields: date time c-ip cs-username cs-host cs-bytes sc-bytes\n${lines.join('\n')}\n`,
  );
}
