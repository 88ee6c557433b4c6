/**
 * A fleet of devices with working-hour and weekend rhythms, long tails of web
 * traffic, meetings and file uploads, fleet-wide rollouts, a maintenance
 * night, download-heavy decoys and build servers — and planted anomalies of
 * each kind on a few devices, recorded in a ground truth. Output is a stream
 * of connections (time, device, host, bytes up/down), one day at a time, that
 * the writers turn into Defender CSV or Zeek logs.
 */
import { BUILTIN_CATALOG } from '../../shared/catalog/builtin';
import { loadCatalog } from '../../shared/catalog/loader';
import { createScorer } from '../../shared/catalog/score';
import type { Catalog, CatalogApp } from '../../shared/catalog/types';
import { APPS, BYTE_KINDS, type FleetParams, PLANTED, PLANTED_KINDS, type PlantedKind } from './params';
import { cumulative, Rng } from './rng';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const MIN = 60_000;

export interface Device {
  idx: number;
  id: string;
  name: string;
  ip: string;
  user: string;
  account: string;
  role: string;
  /** Local start hour and length of the working day. */
  start: number;
  length: number;
  txMedian: number;
  weekendWorker: boolean;
  alwaysOn: boolean;
  server: boolean;
  downloadDecoy: boolean;
  /** Work apps (hosts) and cumulative weights. */
  hosts: string[];
  cum: Float64Array;
  /** Day index → active (precomputed so planted days fall on active days). */
  active: boolean[];
  routineUnsanctioned: string | null;
}

export interface Conn {
  t: number;
  dev: Device;
  host: string;
  /** NaN when the scenario has no bytes for it. */
  up: number;
  down: number;
}

export interface PlantedTruth {
  kind: PlantedKind;
  device: number;
  /** Display name of the app in the reports (catalog name, or the registrable domain). */
  app: string;
  appId: string | null;
  day: string;
  detail: string;
}

export interface Truth {
  seed: number;
  bytes: boolean;
  devices: number;
  planted: PlantedTruth[];
  /** Devices by decoy role (device indexes). */
  decoys: Record<string, number[]>;
  /** Apps a signal is expected for (display names), and why; optional ones count neither way. */
  expectedSignals: { app: string; why: string; required: boolean }[];
  /** The analyst's tags the scenario is run with (TagState by app id). */
  tags: Record<string, string[]>;
}

export interface Scenario {
  params: FleetParams;
  seed: number;
  bytes: boolean;
  devices: Device[];
  truth: Truth;
  t0: number;
  /** Every host the scenario uses (for DNS answers). */
  hosts: string[];
  /** Connections of day `d`. */
  day(d: number): Conn[];
}

function hostOf(app: CatalogApp): string {
  const d = app.domains.find((x) => !x.includes('/') && !/^\d/.test(x)) ?? app.domains[0];
  return d.split('.').length >= 3 ? d : `www.${d}`;
}

function hex(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(rng.next() * 16).toString(16);
  return s;
}

const WORDS = ['news', 'shop', 'blog', 'media', 'tech', 'daily', 'world', 'info', 'cloud', 'data', 'forum', 'wiki'];
const TLDS = ['com', 'net', 'org', 'io', 'de', 'co.uk', 'fr'];

export function buildScenario(params: FleetParams, seed: number, bytes: boolean): Scenario {
  const rng = new Rng(seed);
  const catalog: Catalog = loadCatalog(BUILTIN_CATALOG, []);
  const scorer = createScorer(catalog.date, {});
  const byId = new Map(catalog.apps.map((a) => [a.id, a]));
  const app = (id: string): CatalogApp => {
    const a = byId.get(id);
    if (!a) throw new Error(`scenario: catalog has no app "${id}"`);
    return a;
  };
  const risky = (id: string) => scorer(app(id)).score <= 4;
  const t0 = Date.parse(`${params.start}T00:00:00Z`);
  const tz = params.tzOffsetHours;
  const isWeekend = (d: number) => {
    const wd = new Date(t0 + d * DAY).getUTCDay();
    return wd === 0 || wd === 6;
  };
  /** UTC ms of a local time on day d. */
  const at = (d: number, localHour: number) => t0 + d * DAY + (localHour - tz) * HOUR;

  // ---- app pools
  const used = new Set<string>();
  const hostsOfRoles = Object.values(APPS.roles).flat();
  for (const h of [...APPS.core.map((c) => c.host), ...hostsOfRoles, ...APPS.sanctionedStorage]) used.add(h);
  const excluded = new Set([
    ...APPS.unsanctioned,
    ...APPS.plantedRisky,
    ...APPS.plantedExfil,
    ...params.rollouts.map((r) => r.app),
  ]);
  const occasionalCandidates = catalog.apps.filter(
    (a) => !a.noise && !excluded.has(a.id) && !a.domains.some((d) => used.has(d) || used.has(`www.${d}`)),
  );
  rng.shuffle(occasionalCandidates);
  const occasional = occasionalCandidates.slice(0, params.occasionalPool).map(hostOf);
  // Popularity within the occasional pool falls off like 1/rank.
  const occasionalCum = cumulative(occasional.map((_, i) => 1 / (i + 1)));
  const longTail: string[] = [];
  for (let i = 0; i < params.longTailDomains; i++) {
    longTail.push(`www.${rng.pick(WORDS)}${i}-${hex(rng, 3)}.${rng.pick(TLDS)}`);
  }
  const longTailCum = cumulative(longTail.map((_, i) => 1 / (i + 1) ** params.longTailZipf));

  // ---- devices
  const devices: Device[] = [];
  const roles = Object.keys(APPS.roles);
  for (let i = 0; i < params.devices; i++) {
    const n = String(i + 1).padStart(4, '0');
    const role = roles[i % roles.length];
    const hosts = [...APPS.core.map((c) => c.host), ...APPS.roles[role]];
    const weights = [...APPS.core.map((c) => c.weight), ...APPS.roles[role].map(() => 8)];
    const server = rng.chance(params.serverShare);
    const dev: Device = {
      idx: i,
      id: hex(rng, 40),
      name: `WKS-${n}`,
      ip: `10.20.${(i + 1) >> 8}.${(i + 1) & 255}`,
      user: `user${n}@contoso.com`,
      account: `user${n}`,
      role,
      start: Math.min(10.5, Math.max(6, rng.normal(params.workStartMean, params.workStartSd))),
      length: Math.min(11, Math.max(6.5, rng.normal(params.workLengthMean, params.workLengthSd))),
      txMedian: rng.lognormal(params.txMedian, params.txDeviceSigma),
      weekendWorker: rng.chance(params.weekendWorkerShare),
      alwaysOn: rng.chance(params.alwaysOnShare),
      server,
      downloadDecoy: !server && rng.chance(params.downloadDecoyShare),
      hosts,
      cum: cumulative(weights),
      active: [],
      routineUnsanctioned: null,
    };
    if (server) {
      dev.name = `BUILD-${n}`;
      dev.hosts = [...APPS.servers];
      dev.cum = cumulative(APPS.servers.map(() => 1));
    }
    if (!server && rng.chance(params.routineUnsanctionedShare)) {
      const id = rng.pick(APPS.routineUnsanctioned);
      dev.routineUnsanctioned = hostOf(app(id));
      dev.hosts = [...dev.hosts, dev.routineUnsanctioned];
      dev.cum = cumulative([...weights, 1]);
    }
    const holiday = rng.chance(params.holidayShare) ? rng.int(5, params.days - 12) : -100;
    for (let d = 0; d < params.days; d++) {
      if (server) dev.active.push(true);
      else if (isWeekend(d)) dev.active.push(dev.weekendWorker && rng.chance(params.weekendDayProb));
      else dev.active.push(!(d >= holiday && d < holiday + 7) && !rng.chance(params.absentProb));
    }
    devices.push(dev);
  }

  // ---- rollouts, maintenance, decoys
  const nextWorkday = (d: number) => {
    let x = d;
    while (x < params.days && isWeekend(x)) x++;
    return x;
  };
  const adoption = new Map<string, Map<number, number>>(); // host -> device idx -> day
  const ordinary = devices.filter((d) => !d.server);
  for (const r of params.rollouts) {
    const host = hostOf(app(r.app));
    const m = new Map<number, number>();
    for (const dev of ordinary) {
      if (!rng.chance(params.rolloutShare)) continue;
      let day = r.startDay;
      for (let k = rng.int(0, params.rolloutSpreadWorkdays); k > 0; k--) day = nextWorkday(day + 1);
      day = nextWorkday(day);
      // Adoption happens on the first day the device is at work from then on.
      while (day < params.days && !dev.active[day]) day++;
      if (day < params.days) m.set(dev.idx, day);
    }
    adoption.set(host, m);
  }
  const maintenance = new Set(devices.filter(() => rng.chance(params.maintenanceShare)).map((d) => d.idx));
  const hugeDay = new Map<number, { day: number; host: string }>();
  for (const dev of devices) {
    if (!dev.downloadDecoy) continue;
    const days = [];
    for (let d = 14; d < params.days; d++) if (dev.active[d] && !isWeekend(d)) days.push(d);
    if (days.length) hugeDay.set(dev.idx, { day: rng.pick(days), host: rng.pick(APPS.decoyHuge) });
  }

  // ---- planted anomalies
  const planted: PlantedTruth[] = [];
  const plantedByDay = new Map<number, { kind: PlantedKind; dev: Device; host: string; amount: number }[]>();
  const candidates = rng.shuffle(
    ordinary.filter((d) => !d.downloadDecoy && !d.routineUnsanctioned && d.active.filter(Boolean).length > 20),
  );
  const pools: Record<string, string[]> = {
    risky: rng.shuffle(APPS.plantedRisky.filter(risky)),
    unsanctioned: rng.shuffle([...APPS.plantedUnsanctioned]),
    exfil: rng.shuffle(APPS.plantedExfil.filter(risky)),
  };
  const isoDay = (d: number) => new Date(t0 + d * DAY).toISOString().slice(0, 10);
  const plan = (kind: PlantedKind, dev: Device, d: number, host: string, amount: number) => {
    let list = plantedByDay.get(d);
    if (!list) {
      list = [];
      plantedByDay.set(d, list);
    }
    list.push({ kind, dev, host, amount });
  };
  let next = 0;
  for (const kind of PLANTED_KINDS) {
    if (BYTE_KINDS.has(kind) && !bytes) continue;
    for (let k = 0; k < params.plantedPerKind; k++) {
      const dev = candidates[next++];
      const days = [];
      for (let d = params.plantedDays[0]; d <= params.plantedDays[1]; d++)
        if (dev.active[d] && !isWeekend(d)) days.push(d);
      const day = rng.pick(days);
      let host = '';
      let appName = '';
      let appId: string | null = null;
      let detail = '';
      switch (kind) {
        case 'tx-spike': {
          host = APPS.roles[dev.role][0];
          const extra = Math.round(rng.uniform(...PLANTED.txSpikeFactor) * dev.txMedian);
          detail = `${extra} extra transactions`;
          plan(kind, dev, day, host, extra);
          break;
        }
        case 'upload-spike': {
          host = rng.pick(['onedrive.live.com', 'contoso.sharepoint.com']);
          const b = rng.uniform(...PLANTED.uploadSpikeBytes);
          detail = `${(b / 1024 ** 3).toFixed(1)} GB uploaded`;
          plan(kind, dev, day, host, b);
          break;
        }
        case 'exfil-low-score': {
          const id = pools.exfil.pop()!;
          host = hostOf(app(id));
          appId = id;
          const b = rng.uniform(...PLANTED.exfilBytes);
          detail = `${(b / 1024 ** 3).toFixed(1)} GB uploaded`;
          plan(kind, dev, day, host, b);
          break;
        }
        case 'risky-first-use': {
          const id = pools.risky.pop()!;
          host = hostOf(app(id));
          appId = id;
          const n = rng.int(1, 3);
          let placed = 0;
          for (let d = day; d < params.days && placed < n; d++) {
            if (!dev.active[d]) continue;
            plan(kind, dev, d, host, Math.round(rng.uniform(...PLANTED.riskyTxPerDay)));
            placed++;
          }
          detail = `${placed} day(s) of use`;
          break;
        }
        case 'unsanctioned-first-use': {
          const id = pools.unsanctioned.pop()!;
          host = hostOf(app(id));
          appId = id;
          const n = Math.round(rng.uniform(...PLANTED.unsanctionedTx));
          detail = `${n} transactions`;
          plan(kind, dev, day, host, n);
          break;
        }
        case 'fleet-unseen': {
          const domain = `${rng.pick(['sync', 'cdn', 'update', 'telemetry'])}-${hex(rng, 6)}.net`;
          host = `api.${domain}`;
          appName = domain;
          const every = rng.uniform(...PLANTED.beaconMinutes);
          const n = rng.int(...PLANTED.beaconDays);
          for (let d = day; d < Math.min(params.days, day + n); d++) plan(kind, dev, d, host, every);
          detail = `beacon every ${every.toFixed(1)} min for ${n} days`;
          break;
        }
        case 'off-hours': {
          host = APPS.roles[dev.role][0];
          const n = Math.round(rng.uniform(...PLANTED.offHoursTx));
          detail = `${n} transactions at night`;
          plan(kind, dev, day, host, n);
          break;
        }
      }
      if (appId) appName = app(appId).name;
      else if (!appName) appName = nameOfHost(host, catalog);
      planted.push({ kind, device: dev.idx, app: appName, appId, day: isoDay(day), detail });
    }
  }

  // ---- tags and expected signals
  const tags: Record<string, string[]> = {};
  for (const id of APPS.unsanctioned) tags[id] = ['Unsanctioned'];
  for (const id of ['microsoft-teams', 'sharepoint-online', 'microsoft-onedrive', 'notion']) tags[id] = ['Sanctioned'];
  const expectedSignals: Truth['expectedSignals'] = params.rollouts.map((r) => ({
    app: app(r.app).name,
    why: `fleet-wide rollout from day ${r.startDay} (new popular app)`,
    required: true,
  }));
  for (const p of planted) {
    if (p.kind === 'risky-first-use') expectedSignals.push({ app: p.app, why: 'new risky app', required: true });
    if (p.kind === 'exfil-low-score')
      expectedSignals.push({ app: p.app, why: 'new high-upload app / exfiltration', required: true });
    if (p.kind === 'unsanctioned-first-use' || p.kind === 'upload-spike')
      expectedSignals.push({ app: p.app, why: `planted ${p.kind}`, required: false });
  }

  const decoys: Record<string, number[]> = {
    'download-heavy': devices.filter((d) => d.downloadDecoy).map((d) => d.idx),
    server: devices.filter((d) => d.server).map((d) => d.idx),
    'rollout adopter': [...new Set([...adoption.values()].flatMap((m) => [...m.keys()]))],
    'maintenance night': [...maintenance],
    'routine unsanctioned': devices.filter((d) => d.routineUnsanctioned).map((d) => d.idx),
    'always on': devices.filter((d) => d.alwaysOn).map((d) => d.idx),
  };
  const truth: Truth = { seed, bytes, devices: devices.length, planted, decoys, expectedSignals, tags };

  const allHosts = new Set<string>([
    ...devices.flatMap((d) => d.hosts),
    ...occasional,
    ...longTail,
    ...APPS.noise,
    ...APPS.sanctionedStorage,
    ...APPS.meetings,
    ...APPS.downloadHeavy,
    ...APPS.decoyHuge,
    APPS.maintenance,
    ...adoption.keys(),
    ...[...plantedByDay.values()].flat().map((p) => p.host),
  ]);

  // ---- one day of connections
  function day(d: number): Conn[] {
    const r = new Rng((seed * 7919 + d * 104_729) >>> 0);
    const out: Conn[] = [];
    const up = () => (bytes ? r.lognormal(params.upMedian, params.upSigma) : Number.NaN);
    const down = () => (bytes ? r.lognormal(params.downMedian, params.downSigma) : Number.NaN);
    const push = (t: number, dev: Device, host: string, u = up(), dn = down()) =>
      out.push({
        t: Math.floor(t),
        dev,
        host,
        up: bytes ? Math.round(u) : Number.NaN,
        down: bytes ? Math.round(dn) : Number.NaN,
      });
    /** n connections carrying `total` bytes in one direction between t1 and t2. */
    const transfer = (
      dev: Device,
      host: string,
      n: number,
      t1: number,
      t2: number,
      upTotal: number,
      downTotal: number,
    ) => {
      for (let i = 0; i < n; i++) {
        push(r.uniform(t1, t2), dev, host, upTotal > 0 ? upTotal / n : up(), downTotal > 0 ? downTotal / n : down());
      }
    };
    const weekend = isWeekend(d);
    for (const dev of devices) {
      const awakeHours = new Set<number>();
      if (dev.active[d]) {
        let s: number;
        let e: number;
        let scale = 1;
        if (dev.server) {
          s = 0;
          e = 24;
          scale = 5;
        } else if (weekend) {
          s = 10 + r.uniform(-1, 2);
          e = s + r.uniform(2, 5);
          scale = params.weekendScale;
        } else {
          s = dev.start + r.uniform(-params.dayJitterHours, params.dayJitterHours);
          e = s + dev.length + r.uniform(-params.dayJitterHours, params.dayJitterHours);
          if (r.chance(params.overtimeProb)) e += r.uniform(1, 3);
          if (r.chance(params.earlyProb)) s -= r.uniform(1, 2);
        }
        const t1 = at(d, s);
        const t2 = at(d, e);
        for (let h = Math.floor(s); h < Math.ceil(e); h++) awakeHours.add(h);
        let n = Math.round(dev.txMedian * scale * r.lognormal(1, params.txDaySigma));
        if (r.chance(params.heavyDayProb)) n = Math.round(n * r.uniform(2, 4));
        const extraHosts: { host: string; weight: number }[] = [];
        for (const [host, m] of adoption) {
          const ad = m.get(dev.idx);
          if (ad !== undefined && d >= ad) extraHosts.push({ host, weight: 10 });
        }
        const totalW = dev.cum[dev.cum.length - 1];
        const extraW = extraHosts.reduce((a, x) => a + x.weight, 0);
        for (let i = 0; i < n; i++) {
          let host: string;
          const x = r.next() * (totalW + extraW);
          if (x < totalW) host = dev.hosts[r.pickCumulative(dev.cum)];
          else {
            let y = x - totalW;
            host = extraHosts[0].host;
            for (const eh of extraHosts) {
              if (y < eh.weight) {
                host = eh.host;
                break;
              }
              y -= eh.weight;
            }
          }
          push(r.uniform(t1, t2), dev, host);
        }
        if (!dev.server) {
          for (let k = r.poisson(params.occasionalPerDay * scale); k > 0; k--) {
            const host = occasional[r.pickCumulative(occasionalCum)];
            const at0 = r.uniform(t1, t2);
            transfer(dev, host, r.int(3, 30), at0, at0 + 10 * MIN, 0, 0);
          }
          for (let k = r.poisson(params.longTailPerDay * scale); k > 0; k--) {
            const host = longTail[r.pickCumulative(longTailCum)];
            const at0 = r.uniform(t1, t2);
            transfer(dev, host, r.int(1, 12), at0, at0 + 5 * MIN, 0, 0);
          }
          if (!weekend && r.chance(params.meetingProb)) {
            const minutes = r.uniform(20, 90);
            const at0 = r.uniform(t1, Math.max(t1, t2 - minutes * MIN));
            const u = bytes ? minutes * params.meetingUpPerMinute * r.uniform(0.6, 1.4) : 0;
            transfer(dev, r.pick(APPS.meetings), Math.round(minutes / 3), at0, at0 + minutes * MIN, u, u * 1.2);
          }
          if (!weekend && r.chance(params.fileUploadProb)) {
            const u = bytes ? r.lognormal(params.fileUploadMedian, params.fileUploadSigma) : 0;
            const at0 = r.uniform(t1, t2);
            transfer(dev, r.pick(APPS.sanctionedStorage), r.int(5, 40), at0, at0 + 20 * MIN, u, 0);
          }
          for (const [host, m] of adoption) {
            if (m.get(dev.idx) !== d) continue;
            const u = bytes ? r.lognormal(params.rolloutSyncMedian, 0.8) : 0;
            transfer(dev, host, r.int(10, 30), t1, t1 + 2 * HOUR, u, 0);
          }
        } else if (bytes) {
          transfer(dev, 's3.amazonaws.com', 40, t1, t2, r.lognormal(300 * 1024 * 1024, 0.3), 0);
        }
        if (dev.downloadDecoy) {
          const dl = bytes ? r.uniform(...params.decoyDailyDownload) : 0;
          transfer(dev, r.pick(APPS.downloadHeavy), r.int(5, 30), t1, t2, 0, dl);
          const huge = hugeDay.get(dev.idx);
          if (huge && huge.day === d) {
            transfer(dev, huge.host, r.int(10, 30), t1, t2, 0, bytes ? r.uniform(...params.decoyHugeDownload) : 0);
          }
        }
      }
      // Infrastructure noise in every hour the device is on.
      const nightOn = dev.alwaysOn || dev.server;
      for (let h = 0; h < 24; h++) {
        if (!awakeHours.has(h) && !nightOn) continue;
        for (let k = r.int(1, awakeHours.has(h) ? 4 : 2); k > 0; k--) {
          push(at(d, h) + r.uniform(0, HOUR), dev, r.pick(APPS.noise));
        }
      }
      if (d === params.maintenanceDay && maintenance.has(dev.idx)) {
        const at0 = at(d, 2) + r.uniform(0, 30 * MIN);
        transfer(dev, APPS.maintenance, r.int(10, 40), at0, at0 + 10 * MIN, 0, 0);
      }
    }
    for (const p of plantedByDay.get(d) ?? []) {
      const dev = p.dev;
      const s = at(d, dev.start);
      const e = at(d, dev.start + dev.length);
      switch (p.kind) {
        case 'tx-spike': {
          const len = r.uniform(3, 6) * HOUR;
          const a = r.uniform(s, Math.max(s, e - len));
          transfer(dev, p.host, p.amount, a, a + len, 0, 0);
          break;
        }
        case 'upload-spike':
        case 'exfil-low-score': {
          const a = r.uniform(s, e - HOUR);
          transfer(dev, p.host, r.int(20, 60), a, a + HOUR, p.amount, 0);
          break;
        }
        case 'risky-first-use':
        case 'unsanctioned-first-use':
          transfer(dev, p.host, p.amount, s + HOUR, e - HOUR, 0, 0);
          break;
        case 'fleet-unseen': {
          const every = p.amount * MIN;
          for (let t = t0 + d * DAY + r.uniform(0, every); t < t0 + (d + 1) * DAY; t += every) {
            push(
              t + r.uniform(-20_000, 20_000),
              dev,
              p.host,
              bytes ? r.uniform(300, 900) : 0,
              bytes ? r.uniform(200, 2000) : 0,
            );
          }
          break;
        }
        case 'off-hours': {
          const a = at(d, 1);
          const b = at(d, 4.5);
          for (let i = 0; i < p.amount; i++) {
            const host = i % 3 === 0 ? p.host : dev.hosts[r.pickCumulative(dev.cum)];
            push(r.uniform(a, b), dev, host);
          }
          break;
        }
      }
    }
    return out;
  }

  return { params, seed, bytes, devices, truth, t0, hosts: [...allHosts], day };
}

/** The app name a report shows for a host: the catalog app's, else the registrable domain (as the matcher keys it). */
export function nameOfHost(host: string, catalog: Catalog): string {
  let s = host;
  for (;;) {
    const hit = catalog.apps.find((a) => a.domains.includes(s));
    if (hit) return hit.name;
    const dot = s.indexOf('.');
    if (dot < 0) break;
    s = s.slice(dot + 1);
  }
  return host;
}
