// Zeek `conn.log` in its default ASCII (TSV) form: the standard header block and
// the default conn fields, rows in ascending time as Zeek writes them. The
// fleet's devices are the originators; responders are the catalog hosts' IPs
// (conn has no names), plus the internal DNS server.
//
//   node bench/gen/zeek-conn.mjs --rows 1000000 --seed 1 --out conn.log
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

const FIELDS = [
  'ts',
  'uid',
  'id.orig_h',
  'id.orig_p',
  'id.resp_h',
  'id.resp_p',
  'proto',
  'service',
  'duration',
  'orig_bytes',
  'resp_bytes',
  'conn_state',
  'local_orig',
  'local_resp',
  'missed_bytes',
  'history',
  'orig_pkts',
  'orig_ip_bytes',
  'resp_pkts',
  'resp_ip_bytes',
  'tunnel_parents',
];
const TYPES = [
  'time',
  'string',
  'addr',
  'port',
  'addr',
  'port',
  'enum',
  'string',
  'interval',
  'count',
  'count',
  'string',
  'bool',
  'bool',
  'count',
  'string',
  'count',
  'count',
  'count',
  'count',
  'set[string]',
];

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function stamp(ms) {
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}-${p(d.getUTCHours())}-${p(d.getUTCMinutes())}-${p(d.getUTCSeconds())}`;
}

export async function generateZeekConn({ rows, seed = 1, out }) {
  const random = rng(seed);
  const { devices: deviceCount, days } = scaleFor(rows);
  const hosts = makeHosts(random);
  const fleet = makeFleet(random, deviceCount, hosts.length);
  const pickKind = weighted(
    [
      ['tls', 82],
      ['http', 6],
      ['dns', 9],
      ['rej', 2],
      ['s0', 1],
    ],
    random,
  );
  const w = openWriter(out);
  await w.write(
    `#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t${stamp(START_MS)}\n#fields\t${FIELDS.join('\t')}\n#types\t${TYPES.join('\t')}\n`,
  );
  for (const [hourMs, n] of hourPlan(rows, days, START_MS)) {
    const acts = activities(n, hourMs, fleet, hosts, random);
    for (let i = 0; i < n; i++) {
      const { dev, host } = acts[i];
      const kind = pickKind();
      let uid = 'C';
      for (let k = 0; k < 17; k++) uid += BASE62[random.int(62)];
      const origP = 49152 + random.int(16383);
      let respH = random.pick(host.ips);
      let respP = 443;
      let proto = 'tcp';
      let service = 'ssl';
      let duration = (0.05 + random.next() * 120).toFixed(6);
      let ob = String(300 + random.int(40_000));
      let rb = String(1_000 + random.int(2_000_000));
      let state = 'SF';
      let history = 'ShADadFf';
      if (kind === 'http') {
        respP = 80;
        service = 'http';
      } else if (kind === 'dns') {
        respH = '10.0.0.53';
        respP = 53;
        proto = 'udp';
        service = 'dns';
        duration = (random.next() * 0.05).toFixed(6);
        ob = String(30 + random.int(40));
        rb = String(60 + random.int(200));
        history = 'Dd';
      } else if (kind === 'rej') {
        service = '-';
        duration = '-';
        ob = '-';
        rb = '-';
        state = 'REJ';
        history = 'Sr';
      } else if (kind === 's0') {
        service = '-';
        duration = '-';
        ob = '-';
        rb = '-';
        state = 'S0';
        history = 'S';
      }
      const op = ob === '-' ? 1 : 2 + (Number(ob) >> 10);
      const rp = rb === '-' ? 0 : 1 + (Number(rb) >> 10);
      const oip = ob === '-' ? 60 : Number(ob) + op * 40;
      const rip = rb === '-' ? 0 : Number(rb) + rp * 40;
      const ts = ((acts[i].t + random.next()) / 1000).toFixed(6);
      await w.write(
        `${ts}\t${uid}\t${dev.localIp}\t${origP}\t${respH}\t${respP}\t${proto}\t${service}\t${duration}\t${ob}\t${rb}\t${state}\tT\t${respH.startsWith('10.') ? 'T' : 'F'}\t0\t${history}\t${op}\t${oip}\t${rp}\t${rip}\t(empty)\n`,
      );
    }
  }
  await w.write(`#close\t${stamp(START_MS + days * 86_400_000)}\n`);
  const bytes = await w.close();
  return { rows, bytes, devices: deviceCount, days, hosts: hosts.length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const o = parseFlags(process.argv.slice(2), { rows: 1_000_000, seed: 1, out: '' });
  if (!o.out) {
    console.error('usage: node bench/gen/zeek-conn.mjs --rows N [--seed N] --out conn.log');
    process.exit(64);
  }
  const t0 = performance.now();
  const r = await generateZeekConn({ rows: o.rows, seed: o.seed, out: o.out });
  const s = (performance.now() - t0) / 1000;
  console.log(
    `${o.out}: ${r.rows.toLocaleString('en-US')} rows, ${(r.bytes / 1e6).toFixed(1)} MB (${Math.round(r.bytes / r.rows)} B/row), ${r.devices} devices, ${r.days} days, ${s.toFixed(1)} s`,
  );
}
