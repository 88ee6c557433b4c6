// Defender for Endpoint Advanced Hunting `DeviceNetworkEvents` CSV, as the
// portal's Export writes it, in two shapes:
// - projected: the 14 columns analysts usually `project` (~210 bytes a row);
// - full: the whole table schema (~600 bytes a row), with process hashes,
//   command lines, and AdditionalFields JSON cells on protocol inspections.
// Sorted by Timestamp descending (how hunts are usually ordered), 7-digit
// fractional timestamps, UTF-8 with a BOM like the portal's files.
//
//   node bench/gen/defender.mjs --rows 1000000 --shape projected --seed 1 --out file.csv
import { fileURLToPath } from 'node:url';
import {
  burstSize,
  hourPlan,
  iso7,
  makeFleet,
  makeHosts,
  openWriter,
  parseFlags,
  rng,
  START_MS,
  scaleFor,
  weighted,
} from './common.mjs';

export const PROJECTED_COLUMNS = [
  'Timestamp',
  'DeviceId',
  'DeviceName',
  'ActionType',
  'RemoteIP',
  'RemotePort',
  'RemoteUrl',
  'LocalIP',
  'LocalPort',
  'Protocol',
  'InitiatingProcessFileName',
  'InitiatingProcessAccountName',
  'InitiatingProcessAccountUpn',
  'ReportId',
];

/** The documented DeviceNetworkEvents schema, in the order the portal exports it. */
export const FULL_COLUMNS = [
  'Timestamp',
  'DeviceId',
  'DeviceName',
  'ActionType',
  'RemoteIP',
  'RemotePort',
  'RemoteUrl',
  'LocalIP',
  'LocalPort',
  'Protocol',
  'LocalIPType',
  'RemoteIPType',
  'InitiatingProcessSHA1',
  'InitiatingProcessSHA256',
  'InitiatingProcessMD5',
  'InitiatingProcessFileName',
  'InitiatingProcessFileSize',
  'InitiatingProcessVersionInfoCompanyName',
  'InitiatingProcessVersionInfoProductName',
  'InitiatingProcessVersionInfoProductVersion',
  'InitiatingProcessVersionInfoInternalFileName',
  'InitiatingProcessVersionInfoOriginalFileName',
  'InitiatingProcessVersionInfoFileDescription',
  'InitiatingProcessId',
  'InitiatingProcessCommandLine',
  'InitiatingProcessCreationTime',
  'InitiatingProcessFolderPath',
  'InitiatingProcessParentFileName',
  'InitiatingProcessParentId',
  'InitiatingProcessParentCreationTime',
  'InitiatingProcessAccountDomain',
  'InitiatingProcessAccountName',
  'InitiatingProcessAccountSid',
  'InitiatingProcessAccountUpn',
  'InitiatingProcessAccountObjectId',
  'InitiatingProcessIntegrityLevel',
  'InitiatingProcessTokenElevation',
  'ReportId',
  'AppGuardContainerId',
  'AdditionalFields',
];

// Processes that open outbound connections: [file, company, product, version, description, folder, parent, command line, user?]
const PROCESSES = [
  [
    'chrome.exe',
    'Google LLC',
    'Google Chrome',
    '129.0.6668.90',
    'Google Chrome',
    'c:\\program files\\google\\chrome\\application',
    'chrome.exe',
    '"chrome.exe" --type=utility --utility-sub-type=network.mojom.NetworkService',
    true,
  ],
  [
    'msedge.exe',
    'Microsoft Corporation',
    'Microsoft Edge',
    '129.0.2792.65',
    'Microsoft Edge',
    'c:\\program files (x86)\\microsoft\\edge\\application',
    'msedge.exe',
    '"msedge.exe" --type=utility --utility-sub-type=network.mojom.NetworkService',
    true,
  ],
  [
    'firefox.exe',
    'Mozilla Corporation',
    'Firefox',
    '131.0.2',
    'Firefox',
    'c:\\program files\\mozilla firefox',
    'explorer.exe',
    '"C:\\Program Files\\Mozilla Firefox\\firefox.exe"',
    true,
  ],
  [
    'ms-teams.exe',
    'Microsoft Corporation',
    'Microsoft Teams',
    '24257.205.3165.3420',
    'Microsoft Teams',
    'c:\\program files\\windowsapps\\msteams_24257.205.3165.3420_x64__8wekyb3d8bbwe',
    'explorer.exe',
    '"ms-teams.exe" msteams:system-initiated',
    true,
  ],
  [
    'outlook.exe',
    'Microsoft Corporation',
    'Microsoft Outlook',
    '16.0.17928.20156',
    'Microsoft Outlook',
    'c:\\program files\\microsoft office\\root\\office16',
    'explorer.exe',
    '"OUTLOOK.EXE" /recycle',
    true,
  ],
  [
    'onedrive.exe',
    'Microsoft Corporation',
    'Microsoft OneDrive',
    '24.186.0915.0001',
    'Microsoft OneDrive',
    'c:\\program files\\microsoft onedrive',
    'explorer.exe',
    '"OneDrive.exe" /background',
    true,
  ],
  [
    'slack.exe',
    'Slack Technologies, Inc.',
    'Slack',
    '4.40.133',
    'Slack',
    'c:\\users\\user\\appdata\\local\\slack\\app-4.40.133',
    'slack.exe',
    '"slack.exe" --process-start-args --startup',
    true,
  ],
  [
    'zoom.exe',
    'Zoom Video Communications, Inc.',
    'Zoom',
    '6.2.3.48470',
    'Zoom Meetings',
    'c:\\users\\user\\appdata\\roaming\\zoom\\bin',
    'explorer.exe',
    '"Zoom.exe" --action=preload',
    true,
  ],
  [
    'code.exe',
    'Microsoft Corporation',
    'Visual Studio Code',
    '1.94.2',
    'Visual Studio Code',
    'c:\\users\\user\\appdata\\local\\programs\\microsoft vs code',
    'explorer.exe',
    '"Code.exe" --type=utility --utility-sub-type=network.mojom.NetworkService',
    true,
  ],
  [
    'svchost.exe',
    'Microsoft Corporation',
    'Microsoft® Windows® Operating System',
    '10.0.22621.4249',
    'Host Process for Windows Services',
    'c:\\windows\\system32',
    'services.exe',
    'svchost.exe -k NetworkService -p -s Dnscache',
    false,
  ],
  [
    'MsSense.exe',
    'Microsoft Corporation',
    'Microsoft® Windows® Operating System',
    '10.8760.22621.1006',
    'Windows Defender Advanced Threat Protection Service Executable',
    'c:\\program files\\windows defender advanced threat protection',
    'services.exe',
    '"MsSense.exe"',
    false,
  ],
  [
    'OfficeClickToRun.exe',
    'Microsoft Corporation',
    'Microsoft 365 and Office',
    '16.0.17928.20156',
    'Microsoft Office Click-to-Run (SxS)',
    'c:\\program files\\common files\\microsoft shared\\clicktorun',
    'services.exe',
    '"OfficeClickToRun.exe" /service',
    false,
  ],
];

const SYSTEM_ACCOUNTS = [
  ['nt authority', 'system', 'S-1-5-18'],
  ['nt authority', 'local service', 'S-1-5-19'],
  ['nt authority', 'network service', 'S-1-5-20'],
];

const CIPHERS = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'];
const ISSUERS = [
  'CN=Microsoft Azure RSA TLS Issuing CA 03,O=Microsoft Corporation,C=US',
  'CN=Amazon RSA 2048 M01,O=Amazon,C=US',
  "CN=R11,O=Let's Encrypt,C=US",
  'CN=GTS CA 1C3,O=Google Trust Services LLC,C=US',
];

function csvCell(s) {
  if (s === '' || s === null || s === undefined) return '';
  const v = String(s);
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 44 || c === 34 || c === 10 || c === 13) return `"${v.replace(/"/g, '""')}"`;
  }
  return v;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function zeekUid(random) {
  let s = 'C';
  for (let i = 0; i < 17; i++) s += BASE62[random.int(62)];
  return s;
}

/** Windows FILETIME (100 ns since 1601) as Defender writes `ts` in AdditionalFields. */
function filetime(ms) {
  return String(BigInt(ms + 11644473600000) * 10000n);
}

export async function generateDefender({ rows, shape = 'projected', seed = 1, out }) {
  const random = rng(seed);
  const { devices: deviceCount, days } = scaleFor(rows);
  const hosts = makeHosts(random);
  const fleet = makeFleet(random, deviceCount, hosts.length);
  const full = shape === 'full';
  const columns = full ? FULL_COLUMNS : PROJECTED_COLUMNS;
  const procs = PROCESSES.map(([file, company, product, version, description, folder, parent, cmd, user]) => ({
    file,
    company,
    product,
    version,
    description,
    folder,
    parent,
    cmd,
    user,
    sha1: random.hex(40),
    sha256: random.hex(64),
    md5: random.hex(32),
    size: 200_000 + random.int(5_000_000),
  }));
  const userProcs = weighted(
    [
      [procs[0], 30],
      [procs[1], 22],
      [procs[2], 4],
      [procs[3], 12],
      [procs[4], 10],
      [procs[5], 8],
      [procs[6], 4],
      [procs[7], 3],
      [procs[8], 3],
    ],
    random,
  );
  const systemProcs = weighted(
    [
      [procs[9], 6],
      [procs[10], 3],
      [procs[11], 2],
    ],
    random,
  );
  const pickAction = weighted(
    [
      ['ConnectionSuccess', 780],
      ['ConnectionFailed', 40],
      ['ConnectionRequest', 20],
      ['ConnectionAttempt', 10],
      ['ConnectionFound', 10],
      ['InboundConnectionAccepted', 20],
      ['ListeningConnectionCreated', 8],
      ['DnsConnectionInspected', 40],
      ['NetworkSignatureInspected', 5],
    ],
    random,
  );

  const w = openWriter(out);
  await w.write(`\ufeff${columns.join(',')}\r\n`);
  const plan = hourPlan(rows, days, START_MS).reverse();
  const counts = {};
  for (const [hourMs, n] of plan) {
    const events = [];
    while (events.length < n) {
      // One activity: a process on a device talks to one host, often over several sockets in a row.
      const dev = fleet.pickDevice();
      const sys = dev.user === null || random.chance(0.15);
      const proc = sys ? systemProcs() : userProcs();
      const account = sys ? random.pick(SYSTEM_ACCOUNTS) : null;
      const host = hosts[random.chance(0.6) ? random.pick(dev.favourites) : fleet.pickHost()];
      const base = hourMs + random.int(3_600_000);
      const first = pickAction();
      const burst = first.startsWith('Connection') ? burstSize(random) : 1;
      for (let b = 0; b < burst && events.length < n; b++) {
        const action = b === 0 ? first : random.chance(0.96) ? 'ConnectionSuccess' : 'ConnectionFailed';
        const t = b === 0 ? base : Math.min(hourMs + 3_599_999, base + random.int(90_000));
        const ev = {
          t,
          ticks: random.int(10000),
          dev,
          proc,
          account,
          action,
          host,
          remoteIp: random.pick(host.ips),
          remotePort: random.chance(0.9) ? 443 : random.chance(0.8) ? 80 : 8080 + random.int(100),
          localPort: 49152 + random.int(16383),
          protocol: 'Tcp',
          remoteUrl: '',
          additional: '',
        };
        if (action === 'DnsConnectionInspected') {
          ev.remoteIp = '10.0.0.53';
          ev.remotePort = 53;
          ev.protocol = 'Udp';
          ev.proc = procs[9];
          ev.account = SYSTEM_ACCOUNTS[2];
          if (full) {
            ev.additional = JSON.stringify({
              direction: 'Out',
              trans_id: String(random.int(65536)),
              query: host.name,
              qclass: '1',
              qclass_name: 'C_INTERNET',
              qtype: '1',
              qtype_name: 'A',
              rcode: '0',
              uid: zeekUid(random),
              rcode_name: 'NOERROR',
              AA: 'false',
              TC: 'false',
              RD: 'true',
              RA: 'true',
              answers: JSON.stringify(host.ips),
              TTLs: JSON.stringify(host.ips.map(() => 300.0)),
              rejected: 'false',
              ts: filetime(t),
            });
          }
        } else if (action === 'InboundConnectionAccepted') {
          ev.remoteIp = `10.20.${random.int(20)}.${1 + random.int(250)}`;
          ev.remotePort = 49152 + random.int(16383);
          ev.localPort = random.pick([445, 3389, 135, 5985]);
          ev.proc = procs[9];
          ev.account = SYSTEM_ACCOUNTS[0];
        } else if (action === 'ListeningConnectionCreated') {
          ev.remoteIp = '';
          ev.remotePort = '';
          ev.localPort = random.pick([5040, 7680, 49664, 139]);
        } else if (action === 'NetworkSignatureInspected') {
          if (full)
            ev.additional = JSON.stringify({ SignatureName: 'HTTP_Client', SignatureMatchedContent: 'GET / HTTP/1.1' });
        } else if (action === 'ConnectionSuccess' || action === 'ConnectionRequest' || action === 'ConnectionAttempt') {
          if (random.chance(proc.user ? 0.85 : 0.4)) {
            const r = random.next();
            ev.remoteUrl = r < 0.5 ? host.name : r < 0.95 ? `https://${host.name}` : `http://${host.name}/`;
          }
          if (ev.protocol === 'Tcp' && random.chance(0.3)) ev.protocol = 'TcpV4';
          if (full && random.chance(0.5)) ev.additional = '{}';
        }
        events.push(ev);
        // Protocol inspections of the same socket, a moment later (they enrich the connection, not count twice).
        if (action === 'ConnectionSuccess' && events.length < n && ev.remotePort === 443 && random.chance(0.1)) {
          const ins = {
            ...ev,
            action: 'SslConnectionInspected',
            t: t + 5 + random.int(800),
            remoteUrl: '',
            additional: '',
          };
          if (full) {
            ins.additional = JSON.stringify({
              direction: 'Out',
              version: 'TLSv13',
              curve: 'x25519',
              server_name: host.name,
              resumed: 'false',
              established: 'true',
              subject: `CN=${host.name}`,
              uid: zeekUid(random),
              issuer: random.pick(ISSUERS),
              cipher: random.pick(CIPHERS),
              ts: filetime(t),
            });
          }
          events.push(ins);
        } else if (action === 'ConnectionSuccess' && events.length < n && ev.remotePort === 80 && random.chance(0.3)) {
          const ins = {
            ...ev,
            action: 'HttpConnectionInspected',
            t: t + 20 + random.int(500),
            remoteUrl: '',
            additional: '',
          };
          if (full) {
            ins.additional = JSON.stringify({
              direction: 'Out',
              host: host.name,
              method: 'GET',
              request_body_len: '0',
              response_body_len: String(random.int(90000)),
              status_code: '200',
              status_msg: 'OK',
              tags: '[]',
              trans_depth: '1',
              uri: '/',
              user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
              version: '1.1',
            });
          }
          events.push(ins);
        }
      }
    }
    events.sort((a, b) => b.t - a.t || b.ticks - a.ticks);
    for (const ev of events) {
      counts[ev.action] = (counts[ev.action] ?? 0) + 1;
      await w.write(full ? fullRow(ev, random) : projectedRow(ev));
    }
  }
  const bytes = await w.close();
  return { rows, bytes, devices: deviceCount, days, hosts: hosts.length, actions: counts };
}

function accountOf(ev) {
  if (ev.account) return { domain: ev.account[0], name: ev.account[1], sid: ev.account[2], upn: '', oid: '' };
  const u = ev.dev.user;
  return { domain: 'contoso', name: u.sam, sid: u.sid, upn: u.upn, oid: '' };
}

function projectedRow(ev) {
  const dev = ev.dev;
  if (isInspection(ev)) {
    return `${iso7(ev.t, ev.ticks)},${dev.id},${dev.name},${ev.action},${ev.remoteIp},${ev.remotePort},,${dev.localIp},${ev.localPort},${ev.protocol},,,,${dev.reportId++}\r\n`;
  }
  const a = accountOf(ev);
  return `${iso7(ev.t, ev.ticks)},${dev.id},${dev.name},${ev.action},${ev.remoteIp},${ev.remotePort},${ev.remoteUrl},${dev.localIp},${ev.localPort},${ev.protocol},${ev.proc.file},${a.name},${a.upn},${dev.reportId++}\r\n`;
}

const INSPECTION_ZERO = [
  'InitiatingProcessId',
  'InitiatingProcessParentId',
  'InitiatingProcessTokenElevation',
  'ReportId',
].map((c) => FULL_COLUMNS.indexOf(c));

/** Protocol inspections come from the network sensor, not a process: Defender leaves the process columns empty. */
function isInspection(ev) {
  return ev.action.endsWith('Inspected');
}

function fullRow(ev, random) {
  const a = accountOf(ev);
  const dev = ev.dev;
  if (isInspection(ev)) {
    const cells = new Array(FULL_COLUMNS.length).fill('');
    cells[0] = iso7(ev.t, ev.ticks);
    cells[1] = dev.id;
    cells[2] = dev.name;
    cells[3] = ev.action;
    cells[4] = ev.remoteIp;
    cells[5] = ev.remotePort;
    cells[7] = dev.localIp;
    cells[8] = ev.localPort;
    cells[9] = ev.protocol;
    cells[INSPECTION_ZERO[0]] = 0;
    cells[INSPECTION_ZERO[1]] = 0;
    cells[INSPECTION_ZERO[2]] = 'None';
    cells[INSPECTION_ZERO[3]] = dev.reportId++;
    cells[FULL_COLUMNS.length - 1] = csvCell(ev.additional);
    return `${cells.join(',')}\r\n`;
  }
  const p = ev.proc;
  // Processes start at 07:00 on the day of the event (the device boots once a day).
  const day = ev.t - (ev.t % 86_400_000);
  const started = day + 7 * 3_600_000 + (dev.reportId % 3_000_000);
  const pid = 1000 + ((dev.reportId * 7 + p.file.length * 131) % 30000);
  const remoteType = ev.remoteIp === '' ? '' : ev.remoteIp.startsWith('10.') ? 'Private' : 'Public';
  const oid = a.upn
    ? `${dev.id.slice(0, 8)}-${dev.id.slice(8, 12)}-4${dev.id.slice(13, 16)}-8${dev.id.slice(17, 20)}-${dev.id.slice(20, 32)}`
    : '';
  const cells = [
    iso7(ev.t, ev.ticks),
    dev.id,
    dev.name,
    ev.action,
    ev.remoteIp,
    ev.remotePort,
    ev.remoteUrl,
    dev.localIp,
    ev.localPort,
    ev.protocol,
    // Defender leaves the IP types and the SHA-256 empty on many rows.
    ev.localPort % 2 === 0 ? 'Private' : '',
    ev.localPort % 2 === 0 ? remoteType : '',
    p.sha1,
    ev.localPort % 10 === 0 ? p.sha256 : '',
    p.md5,
    p.file,
    p.size,
    p.company,
    p.product,
    p.version,
    p.file.replace('.exe', '_exe'),
    p.file,
    p.description,
    pid,
    p.cmd,
    iso7(started, random.int(10000)),
    `${p.folder}\\${p.file.toLowerCase()}`,
    p.parent,
    pid - 40 - (pid % 97),
    iso7(started - 1200, random.int(10000)),
    a.domain,
    a.name,
    a.sid,
    a.upn,
    oid,
    a.upn ? 'Medium' : 'System',
    a.upn ? 'TokenElevationTypeLimited' : 'TokenElevationTypeDefault',
    dev.reportId++,
    '',
    ev.additional,
  ];
  return `${cells.map(csvCell).join(',')}\r\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const o = parseFlags(process.argv.slice(2), { rows: 1_000_000, shape: 'projected', seed: 1, out: '' });
  if (!o.out) {
    console.error('usage: node bench/gen/defender.mjs --rows N --shape projected|full [--seed N] --out file.csv');
    process.exit(64);
  }
  const t0 = performance.now();
  const r = await generateDefender({ rows: o.rows, shape: o.shape, seed: o.seed, out: o.out });
  const s = (performance.now() - t0) / 1000;
  console.log(
    `${o.out}: ${r.rows.toLocaleString('en-US')} rows, ${(r.bytes / 1e6).toFixed(1)} MB (${Math.round(r.bytes / r.rows)} B/row), ${r.devices} devices, ${r.days} days, ${r.hosts} hosts, ${s.toFixed(1)} s`,
  );
}
