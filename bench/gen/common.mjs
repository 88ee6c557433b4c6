// Shared pieces of the input generators: a seeded PRNG, a fleet of devices and
// users, a few thousand real hostnames (from the app catalog) with Zipf-like
// popularity, working-hours traffic, and a buffered writer that streams to disk
// with back-pressure (a 10M-row file is never held in memory).
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const CATALOG_DIR = join(here, '../../shared/catalog/data');

/** sfc32: small, fast, good enough for test data, and identical on every machine for one seed. */
export function rng(seed) {
  let a = 0x9e3779b9 ^ seed;
  let b = 0x243f6a88 ^ Math.imul(seed, 0x85ebca6b);
  let c = 0xb7e15162;
  let d = 1;
  const next = () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 16; i++) next();
  const r = {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    chance: (p) => next() < p,
    hex: (len) => {
      let s = '';
      while (s.length < len) s += ((next() * 0x100000000) >>> 0).toString(16).padStart(8, '0');
      return s.slice(0, len);
    },
  };
  return r;
}

/** A sampler over n items where item i has weight 1/(i+1)^s (a Zipf-like long tail). */
export function zipf(n, s, random) {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / (i + 1) ** s;
    cdf[i] = sum;
  }
  return () => {
    const x = random.next() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Weighted sampler over [value, weight] pairs. */
export function weighted(pairs, random) {
  const cdf = [];
  let sum = 0;
  for (const [, w] of pairs) {
    sum += w;
    cdf.push(sum);
  }
  return () => {
    const x = random.next() * sum;
    for (let i = 0; i < cdf.length; i++) if (x < cdf[i]) return pairs[i][0];
    return pairs[pairs.length - 1][0];
  };
}

/** Every registrable domain the catalog names, in a stable order. */
export function catalogDomains() {
  const out = new Set();
  for (const f of readdirSync(CATALOG_DIR).sort()) {
    if (!f.endsWith('.json')) continue;
    const j = JSON.parse(readFileSync(join(CATALOG_DIR, f), 'utf8'));
    for (const app of Array.isArray(j) ? j : (j.apps ?? [])) for (const d of app.domains ?? []) out.add(d);
  }
  return [...out];
}

const SUBDOMAINS = ['www', 'api', 'login', 'cdn', 'app', 'static', 'files', 'auth', 'eu', 'clients', 'sync', 'edge'];

/**
 * A few thousand hosts under the catalog's real domains, each with one to three
 * public IPv4 addresses; shuffled so popularity does not follow the catalog's order.
 */
export function makeHosts(random, target = 3500) {
  const domains = catalogDomains();
  const hosts = [];
  const seen = new Set();
  const add = (h) => {
    if (!seen.has(h)) {
      seen.add(h);
      hosts.push(h);
    }
  };
  for (const d of domains) add(d);
  while (hosts.length < target) add(`${random.pick(SUBDOMAINS)}.${random.pick(domains)}`);
  for (let i = hosts.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [hosts[i], hosts[j]] = [hosts[j], hosts[i]];
  }
  const firstOctets = [13, 20, 23, 31, 34, 35, 40, 52, 54, 64, 76, 104, 142, 151, 157, 162, 172, 185, 199, 204];
  return hosts.map((name) => {
    const n = 1 + random.int(3);
    const ips = [];
    for (let i = 0; i < n; i++) {
      const o1 = random.pick(firstOctets);
      // 172.16/12 is private: stay above it.
      const o2 = o1 === 172 ? 64 + random.int(150) : random.int(256);
      ips.push(`${o1}.${o2}.${random.int(256)}.${1 + random.int(254)}`);
    }
    return { name, ips };
  });
}

const FIRST = [
  'anna',
  'ben',
  'carla',
  'david',
  'eva',
  'felix',
  'greta',
  'hugo',
  'ines',
  'jonas',
  'kim',
  'lena',
  'mark',
  'nina',
  'omar',
  'paula',
  'quentin',
  'rosa',
  'sven',
  'tara',
  'uwe',
  'vera',
  'will',
  'xenia',
  'yusuf',
  'zoe',
  'alex',
  'maria',
  'li',
  'sofia',
  'noah',
  'emma',
  'liam',
  'mia',
  'lucas',
  'julia',
  'elias',
  'lea',
  'finn',
  'clara',
];
const LAST = [
  'schmidt',
  'meyer',
  'wagner',
  'becker',
  'hoffmann',
  'koch',
  'richter',
  'klein',
  'wolf',
  'neumann',
  'braun',
  'zimmermann',
  'hartmann',
  'krueger',
  'lange',
  'werner',
  'lehmann',
  'martin',
  'garcia',
  'rossi',
  'dubois',
  'nowak',
  'jensen',
  'silva',
  'okafor',
  'tanaka',
  'kowalski',
  'novak',
  'murphy',
  'smith',
];
const DEPTS = ['fin', 'hr', 'eng', 'ops', 'mkt', 'sal', 'it', 'leg', 'rnd', 'sup'];

/**
 * A fleet: devices with a stable id, name, local IP and primary user (servers
 * have none), an activity weight, and a handful of favourite hosts each (people
 * use the same few apps all day), so hourly groups repeat as they do in real data.
 */
export function makeFleet(random, deviceCount, hostCount, domain = 'contoso.com') {
  const pickHost = zipf(hostCount, 1.05, random);
  const users = [];
  const userCount = Math.max(1, Math.round(deviceCount * 0.9));
  const names = new Set();
  for (let i = 0; users.length < userCount; i++) {
    let first = random.pick(FIRST);
    const last = random.pick(LAST);
    let sam = `${first}.${last}`;
    if (names.has(sam)) {
      first = `${first}${i}`;
      sam = `${first}.${last}`;
    }
    names.add(sam);
    users.push({
      sam,
      upn: `${sam}@${domain}`,
      sid: `S-1-5-21-${1000000 + random.int(9000000)}-${random.int(1e9)}-${1000 + i}`,
    });
  }
  const devices = [];
  for (let i = 0; i < deviceCount; i++) {
    const server = random.chance(0.06);
    const dept = random.pick(DEPTS);
    const name = server
      ? `srv-${dept}-${String(i).padStart(4, '0')}.${domain}`
      : `lt-${dept}-${String(i).padStart(4, '0')}.${domain}`;
    const favourites = [];
    for (let k = 0; k < 24; k++) favourites.push(pickHost());
    devices.push({
      id: random.hex(40),
      name,
      localIp: `10.${20 + Math.floor(i / 62500)}.${Math.floor(i / 250) % 250}.${1 + (i % 250)}`,
      user: server ? null : users[i % users.length],
      server,
      weight: server ? 0.5 + random.next() : 0.3 + random.next() * 1.7,
      favourites,
      reportId: 1000 + random.int(500000),
    });
  }
  const pickDevice = weighted(
    devices.map((d) => [d, d.weight]),
    random,
  );
  return { devices, users, pickHost, pickDevice, domain };
}

/**
 * Connections per activity: a page load or an app's sync opens several sockets
 * to the same host in a row (geometric, mean ~3, at most 12). This is what makes
 * hourly groups repeat (about one group per two connections, see bench/RESULTS.md).
 */
export function burstSize(random) {
  return Math.min(12, 1 + Math.floor(-Math.log(1 - random.next()) * 2.5));
}

/**
 * `n` connections within one hour, in time order: activities of a device on one
 * host (a favourite most of the time), each a burst of connections.
 */
export function activities(n, hourMs, fleet, hosts, random) {
  const out = [];
  while (out.length < n) {
    const dev = fleet.pickDevice();
    const host = hosts[random.chance(0.6) ? random.pick(dev.favourites) : fleet.pickHost()];
    const base = hourMs + random.int(3_600_000);
    const burst = burstSize(random);
    for (let b = 0; b < burst && out.length < n; b++) {
      out.push({ t: b === 0 ? base : Math.min(hourMs + 3_599_999, base + random.int(90_000)), dev, host });
    }
  }
  return out.sort((a, b) => a.t - b.t);
}

/** Relative traffic of one UTC hour: office hours on weekdays, little at night and at weekends. */
export function hourWeight(ms) {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const weekend = d.getUTCDay() === 0 || d.getUTCDay() === 6;
  const base = h >= 7 && h < 17 ? 1 : h === 6 || h === 17 || h === 18 ? 0.35 : 0.04;
  return weekend ? base * 0.08 : base;
}

/**
 * Rows per hour over `days` days from `startMs`, summing exactly to `rows`.
 * Returns [hourStartMs, rows][] in ascending time.
 */
export function hourPlan(rows, days, startMs) {
  const hours = [];
  let sum = 0;
  for (let i = 0; i < days * 24; i++) {
    const t = startMs + i * 3_600_000;
    const w = hourWeight(t);
    hours.push([t, w]);
    sum += w;
  }
  let given = 0;
  const plan = hours.map(([t, w]) => {
    const n = Math.floor((rows * w) / sum);
    given += n;
    return [t, n];
  });
  // Hand the rounding remainder to the busiest hours, round-robin.
  const busy = plan.filter(([t]) => hourWeight(t) >= 1);
  for (let i = 0; given < rows; i++, given++) busy[i % busy.length][1]++;
  return plan;
}

/** Sizes of fleet and time span that grow with the file (a bigger export covers more devices and days). */
export function scaleFor(rows) {
  return {
    devices: Math.min(5000, Math.max(100, Math.round(rows / 2000))),
    days: Math.min(30, Math.max(3, Math.round(rows / 100_000))),
  };
}

export const START_MS = Date.UTC(2026, 9, 1); // 2026-10-01, a Thursday

/** Buffered, back-pressured text writer. */
export function openWriter(path) {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let parts = [];
  let len = 0;
  let bytes = 0;
  const flush = async () => {
    if (len === 0) return;
    const s = parts.join('');
    parts = [];
    len = 0;
    bytes += Buffer.byteLength(s);
    if (!out.write(s)) await new Promise((r) => out.once('drain', r));
  };
  return {
    async write(s) {
      parts.push(s);
      len += s.length;
      if (len >= 1 << 20) await flush();
    },
    async close() {
      await flush();
      await new Promise((resolve, reject) => out.end((e) => (e ? reject(e) : resolve())));
      return bytes;
    },
  };
}

/** `--name value` pairs from argv. */
export function parseFlags(argv, defaults) {
  const o = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const k = a.slice(2);
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) o[k] = true;
    else {
      o[k] = typeof defaults[k] === 'number' ? Number(v) : v;
      i++;
    }
  }
  return o;
}

/** 2026-10-01T09:15:42.1234567Z: Defender's 7-digit fraction (100 ns ticks). */
export function iso7(ms, ticks) {
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(Math.floor(ms % 1000) * 10000 + ticks).padStart(7, '0')}Z`;
}
