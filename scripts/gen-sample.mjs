// Generates the sample telemetry shipped in resources/sample/ ("Open sample data"):
// one synthetic week of a small company, as a Defender for Endpoint Advanced
// Hunting CSV, a Squid access.log and a FortiGate traffic log. Our own generator,
// seeded, so the output is the same on every run (a test checks the committed
// files against it). Organisation names use the reserved .example domain and
// public addresses come from the documentation ranges (RFC 5737), so nothing
// here describes a real network. Cloud app host names are real: the catalog
// matches them.
//
//   node scripts/gen-sample.mjs            write resources/sample/
//   node scripts/gen-sample.mjs --check    exit 1 if the files differ from what it would write
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'resources', 'sample');

/** Mulberry32: small, fast, good enough for synthetic data, and seedable. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fnv(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

const DOC_NETS = ['192.0.2', '198.51.100', '203.0.113'];
/** A stable documentation-range address per host name. */
function ipFor(host) {
  const h = fnv(host);
  return `${DOC_NETS[h % 3]}.${1 + ((h >>> 8) % 254)}`;
}

const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'];
const DEVICES = USERS.map((u, i) => ({
  name: `ws-${String(i + 1).padStart(2, '0')}.contoso.example`,
  short: `ws-${String(i + 1).padStart(2, '0')}`,
  id: createHash('sha1').update(`contoso device ${i}`).digest('hex'),
  user: u,
  ip: `10.20.1.${11 + i}`,
}));

/** Host name, weight (how often), process that talks to it. */
const APPS = [
  ['teams.microsoft.com', 14, 'ms-teams.exe'],
  ['contoso.sharepoint.com', 10, 'msedge.exe'],
  ['onedrive.live.com', 6, 'OneDrive.exe'],
  ['app.slack.com', 8, 'slack.exe'],
  ['github.com', 8, 'git.exe'],
  ['zoom.us', 5, 'Zoom.exe'],
  ['contoso.my.salesforce.com', 5, 'chrome.exe'],
  ['drive.google.com', 4, 'chrome.exe'],
  ['www.dropbox.com', 4, 'Dropbox.exe'],
  ['app.box.com', 2, 'chrome.exe'],
  ['www.notion.so', 3, 'Notion.exe'],
  ['trello.com', 2, 'chrome.exe'],
  ['contoso.atlassian.net', 5, 'chrome.exe'],
  ['chatgpt.com', 5, 'chrome.exe'],
  ['claude.ai', 2, 'msedge.exe'],
  ['www.figma.com', 2, 'Figma.exe'],
  ['www.canva.com', 1, 'chrome.exe'],
  ['contoso.zendesk.com', 2, 'chrome.exe'],
  ['app.hubspot.com', 2, 'chrome.exe'],
  ['app.asana.com', 1, 'chrome.exe'],
  ['gitlab.com', 1, 'git.exe'],
  ['registry.npmjs.org', 3, 'node.exe'],
  ['registry-1.docker.io', 1, 'com.docker.backend.exe'],
  ['www.deepl.com', 2, 'DeepL.exe'],
  ['www.grammarly.com', 1, 'chrome.exe'],
  ['www.linkedin.com', 3, 'chrome.exe'],
  ['www.reddit.com', 2, 'chrome.exe'],
  ['open.spotify.com', 2, 'Spotify.exe'],
  ['web.whatsapp.com', 2, 'chrome.exe'],
  ['discord.com', 1, 'Discord.exe'],
  ['web.telegram.org', 1, 'chrome.exe'],
  ['wetransfer.com', 1, 'chrome.exe'],
  ['mega.nz', 1, 'chrome.exe'],
  ['www.mediafire.com', 1, 'chrome.exe'],
  ['pastebin.com', 1, 'chrome.exe'],
  ['anydesk.com', 1, 'AnyDesk.exe'],
  ['www.temu.com', 1, 'chrome.exe'],
];
const TOTAL_WEIGHT = APPS.reduce((a, x) => a + x[1], 0);
/** Blocked at the proxy and the firewall: the organisation's policy in this story. */
const BLOCKED = new Set(['pastebin.com', 'anydesk.com', 'www.mediafire.com']);

// Monday 5 January 2026 00:00 UTC; seven days.
const WEEK_START = Date.UTC(2026, 0, 5);
const DAY = 86_400_000;

function pickApp(r) {
  let x = r() * TOTAL_WEIGHT;
  for (const a of APPS) {
    x -= a[1];
    if (x < 0) return a;
  }
  return APPS[0];
}

/** A time in working hours (heavier mid-morning and mid-afternoon), weekends light. */
function workTime(r) {
  let day = Math.floor(r() * 7);
  if (day >= 5 && r() < 0.7) day = Math.floor(r() * 5);
  const hour = 7 + Math.min(11, Math.floor((r() + r() + r()) * 4));
  return WEEK_START + day * DAY + hour * 3_600_000 + Math.floor(r() * 3_600_000);
}

function iso7(ms, r) {
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(ms % 1000).padStart(3, '0')}${String(Math.floor(r() * 10_000)).padStart(4, '0')}Z`;
}

function csvCell(v) {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function defenderCsv() {
  const r = rng(1);
  const header = [
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
    'InitiatingProcessFileName',
    'InitiatingProcessAccountDomain',
    'InitiatingProcessAccountName',
    'InitiatingProcessAccountUpn',
    'ReportId',
  ];
  const rows = [];
  for (let i = 0; i < 520; i++) {
    const d = DEVICES[Math.floor(r() * DEVICES.length)];
    const [host, , proc] = pickApp(r);
    const t = workTime(r);
    const roll = r();
    const action = roll < 0.9 ? 'ConnectionSuccess' : roll < 0.97 ? 'ConnectionFailed' : 'ConnectionAttempt';
    rows.push({
      t,
      cells: [
        iso7(t, r),
        d.id,
        d.name,
        action,
        ipFor(host),
        r() < 0.95 ? 443 : 80,
        r() < 0.9 ? host : '', // Defender does not always know the name
        d.ip,
        49152 + Math.floor(r() * 16000),
        'Tcp',
        'Private',
        'Public',
        proc,
        'CONTOSO',
        d.user,
        `${d.user}@contoso.example`,
        10_000 + i,
      ],
    });
  }
  rows.sort((a, b) => a.t - b.t);
  return `${header.join(',')}\n${rows.map((x) => x.cells.map(csvCell).join(',')).join('\n')}\n`;
}

function squidLog() {
  const r = rng(2);
  const lines = [];
  for (let i = 0; i < 820; i++) {
    const u = Math.floor(r() * USERS.length);
    const user = USERS[u];
    const client = `10.30.0.${21 + u}`;
    const [host] = pickApp(r);
    const t = workTime(r);
    const elapsed = 20 + Math.floor(r() * 3000);
    let line;
    if (BLOCKED.has(host)) {
      line = `${client} TCP_DENIED/403 3912 CONNECT ${host}:443 ${user} HIER_NONE/- text/html`;
    } else if (r() < 0.15) {
      const size = 400 + Math.floor(r() * 40_000);
      line = `${client} TCP_MISS/200 ${size} GET http://${host}/ ${user} HIER_DIRECT/${ipFor(host)} text/html`;
    } else {
      const size = 2000 + Math.floor(r() * 900_000);
      line = `${client} TCP_TUNNEL/200 ${size} CONNECT ${host}:443 ${user} HIER_DIRECT/${ipFor(host)} -`;
    }
    lines.push({ t, text: `${(t / 1000).toFixed(3)} ${String(elapsed).padStart(6)} ${line}` });
  }
  lines.sort((a, b) => a.t - b.t);
  return `${lines.map((l) => l.text).join('\n')}\n`;
}

function fortigateLog() {
  const r = rng(3);
  const lines = [];
  const session = { n: 41_000 };
  const line = (t, d, host, sent, rcvd, action) => {
    const date = new Date(t).toISOString();
    session.n += 1 + Math.floor(r() * 40);
    return {
      t,
      text:
        `date=${date.slice(0, 10)} time=${date.slice(11, 19)} devname="FGT-HQ" devid="FGT60FTK00000001" ` +
        `eventtime=${t}000000 tz="+0000" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" ` +
        `srcip=${d.ip} srcport=${49152 + Math.floor(r() * 16000)} srcintf="lan" srcintfrole="lan" ` +
        `dstip=${ipFor(host)} dstport=443 dstintf="wan1" dstintfrole="wan" sessionid=${session.n} proto=6 ` +
        `action="${action}" policyid=${action === 'deny' ? 9 : 1} service="HTTPS" hostname="${host}" ` +
        `user="${d.user}" srcname="${d.short}" sentbyte=${sent} rcvdbyte=${rcvd} duration=${1 + Math.floor(r() * 300)}`,
    };
  };
  for (let i = 0; i < 230; i++) {
    const d = DEVICES[Math.floor(r() * DEVICES.length)];
    const [host] = pickApp(r);
    const t = workTime(r);
    if (BLOCKED.has(host)) lines.push(line(t, d, host, 0, 0, 'deny'));
    else lines.push(line(t, d, host, 500 + Math.floor(r() * 200_000), 2000 + Math.floor(r() * 3_000_000), 'close'));
  }
  // The week's story: on Friday afternoon erin's workstation uploads far more than usual to MEGA.
  const erin = DEVICES[4];
  for (let i = 0; i < 12; i++) {
    const t = WEEK_START + 4 * DAY + 15 * 3_600_000 + i * 240_000 + Math.floor(r() * 60_000);
    lines.push(
      line(t, erin, 'mega.nz', 40_000_000 + Math.floor(r() * 60_000_000), 90_000 + Math.floor(r() * 50_000), 'close'),
    );
  }
  lines.sort((a, b) => a.t - b.t);
  return `${lines.map((l) => l.text).join('\n')}\n`;
}

const ABOUT = `Cloudscope sample telemetry
===========================

Synthetic: one week (5-11 January 2026, UTC) of a made-up company, Contoso, with ten
users and their workstations, generated by scripts/gen-sample.mjs in the Cloudscope
source. Organisation names use the reserved .example domain and every public address
comes from the documentation ranges (RFC 5737); the cloud app host names are real so
that the app catalog recognises them.

  defender-device-network-events.csv   Defender for Endpoint Advanced Hunting export
                                       (DeviceNetworkEvents): the endpoints' view
  squid-access.log                     Squid proxy access log (native format)
  fortigate-traffic.log                FortiGate traffic log (key=value syslog)

Something to find: one workstation sends far more than usual to a file-sharing app on
Friday afternoon; the proxy and the firewall block a few apps.
`;

export function generateSamples() {
  return new Map([
    ['defender-device-network-events.csv', defenderCsv()],
    ['squid-access.log', squidLog()],
    ['fortigate-traffic.log', fortigateLog()],
    ['ABOUT.txt', ABOUT],
  ]);
}

function main() {
  const samples = generateSamples();
  if (process.argv.includes('--check')) {
    const stale = [...samples].filter(([name, text]) => {
      try {
        return readFileSync(join(OUT, name), 'utf8') !== text;
      } catch {
        return true;
      }
    });
    if (stale.length > 0) {
      console.error(`Out of date: ${stale.map(([n]) => n).join(', ')} (run node scripts/gen-sample.mjs)`);
      process.exit(1);
    }
    return;
  }
  mkdirSync(OUT, { recursive: true });
  let total = 0;
  for (const [name, text] of samples) {
    writeFileSync(join(OUT, name), text);
    total += Buffer.byteLength(text);
  }
  console.log(`Wrote ${samples.size} files (${Math.round(total / 1024)} KiB) to ${OUT}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
