// Squid `access.log` in its native format
// (`%ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt`), rows in
// ascending time. Mostly CONNECT tunnels (HTTPS), some plain GETs, a few denials;
// users from proxy authentication where the device has one.
//
//   node bench/gen/squid.mjs --rows 1000000 --seed 1 --out access.log
import { fileURLToPath } from 'node:url';
import {
  activities,
  hourPlan,
  makeFleet,
  makeHosts,
  openWriter,
  parseFlags,
  rng,
  START_MS,
  scaleFor,
  weighted,
} from './common.mjs';

const PATHS = ['/', '/index.html', '/api/v1/status', '/static/app.js', '/images/logo.png', '/favicon.ico'];
const TYPES = ['text/html', 'application/javascript', 'application/json', 'image/png', 'image/x-icon', 'text/html'];

export async function generateSquid({ rows, seed = 1, out }) {
  const random = rng(seed);
  const { devices: deviceCount, days } = scaleFor(rows);
  const hosts = makeHosts(random);
  const fleet = makeFleet(random, deviceCount, hosts.length);
  const pickKind = weighted(
    [
      ['connect', 85],
      ['get', 11],
      ['hit', 2],
      ['denied', 2],
    ],
    random,
  );
  const w = openWriter(out);
  for (const [hourMs, n] of hourPlan(rows, days, START_MS)) {
    const acts = activities(n, hourMs, fleet, hosts, random);
    for (let i = 0; i < n; i++) {
      const { dev, host } = acts[i];
      const kind = pickKind();
      const user = dev.user && random.chance(0.8) ? dev.user.sam : '-';
      const t = acts[i].t;
      const ts = `${Math.floor(t / 1000)}.${String(t % 1000).padStart(3, '0')}`;
      const elapsed = String(1 + random.int(kind === 'connect' ? 120_000 : 2_000)).padStart(6, ' ');
      const ip = random.pick(host.ips);
      let line;
      if (kind === 'connect') {
        line = `${ts} ${elapsed} ${dev.localIp} TCP_TUNNEL/200 ${2_000 + random.int(3_000_000)} CONNECT ${host.name}:443 ${user} HIER_DIRECT/${ip} -`;
      } else if (kind === 'denied') {
        line = `${ts} ${elapsed} ${dev.localIp} TCP_DENIED/403 3${String(random.int(1000)).padStart(3, '0')} CONNECT ${host.name}:443 ${user} HIER_NONE/- text/html`;
      } else {
        const k = random.int(PATHS.length);
        const code = kind === 'hit' ? 'TCP_HIT/200' : 'TCP_MISS/200';
        const peer = kind === 'hit' ? 'HIER_NONE/-' : `HIER_DIRECT/${ip}`;
        line = `${ts} ${elapsed} ${dev.localIp} ${code} ${300 + random.int(200_000)} GET http://${host.name}${PATHS[k]} ${user} ${peer} ${TYPES[k]}`;
      }
      await w.write(`${line}\n`);
    }
  }
  const bytes = await w.close();
  return { rows, bytes, devices: deviceCount, days, hosts: hosts.length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const o = parseFlags(process.argv.slice(2), { rows: 1_000_000, seed: 1, out: '' });
  if (!o.out) {
    console.error('usage: node bench/gen/squid.mjs --rows N [--seed N] --out access.log');
    process.exit(64);
  }
  const t0 = performance.now();
  const r = await generateSquid({ rows: o.rows, seed: o.seed, out: o.out });
  const s = (performance.now() - t0) / 1000;
  console.log(
    `${o.out}: ${r.rows.toLocaleString('en-US')} rows, ${(r.bytes / 1e6).toFixed(1)} MB (${Math.round(r.bytes / r.rows)} B/row), ${r.devices} devices, ${r.days} days, ${s.toFixed(1)} s`,
  );
}
