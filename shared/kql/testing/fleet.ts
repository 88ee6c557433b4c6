/**
 * A deterministic fleet of Defender-managed endpoints producing
 * `DeviceNetworkEvents` rows as advanced hunting exports them (sorted by time),
 * for the proof that importing Kusto's hourly facts equals importing the raw
 * events, and for the benchmark. It exercises every rule the KQL mirrors:
 * connections named by RemoteUrl (bare names, URLs with ports and paths, odd
 * case, trailing dots), by an SSL/HTTP inspection of the same socket (before or
 * after the connection, across hour boundaries), by an earlier DNS answer, or
 * not at all; standalone inspections (one Zeek uid on two rows); blocked and
 * failed connections; inbound, listening, scan and signature rows; UPN, local
 * and service accounts; IPv4-mapped local addresses; devices changing address.
 * Hosts are real catalog domains plus a long tail, each with its own IPs.
 */

export interface RawRow {
  /** Event time: ms since the epoch plus 100-ns ticks within the ms (Kusto's precision). */
  ms: number;
  tick: number;
  DeviceId: string;
  DeviceName: string;
  ActionType: string;
  RemoteIP: string;
  RemotePort: number | null;
  RemoteUrl: string;
  LocalIP: string;
  LocalPort: number | null;
  Protocol: string;
  InitiatingProcessFileName: string;
  InitiatingProcessAccountDomain: string;
  InitiatingProcessAccountName: string;
  InitiatingProcessAccountUpn: string;
  ReportId: number;
  AdditionalFields: string;
}

export interface FleetOptions {
  devices: number;
  days: number;
  /** Outbound activities per device per working day, on average (nights and weekends are quieter). */
  activitiesPerDay: number;
  /** 00:00 UTC of the first day. */
  start: number;
  seed: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** mulberry32: small, fast, deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CATALOG_HOSTS = [
  'outlook.office365.com',
  'teams.microsoft.com',
  'www.dropbox.com',
  'dl.dropboxusercontent.com',
  'app.box.com',
  'drive.google.com',
  'mail.google.com',
  'github.com',
  'objects.githubusercontent.com',
  'app.slack.com',
  'files.slack.com',
  'zoom.us',
  'www.notion.so',
  'miro.com',
  'www.figma.com',
  'www.canva.com',
  'login.salesforce.com',
  'contoso.zendesk.com',
  'wetransfer.com',
  'chatgpt.com',
  'api.openai.com',
  'mega.nz',
  'trello.com',
  'www.linkedin.com',
  'www.facebook.com',
];

function tailHosts(n: number): string[] {
  const words = ['cdn', 'api', 'static', 'img', 'telemetry', 'update', 'edge', 'assets', 'sync', 'push'];
  const tlds = ['net', 'com', 'io', 'org', 'cloud'];
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`${words[i % words.length]}${i}.tail${i % 37}.${tlds[i % tlds.length]}`);
  return out;
}

interface Device {
  id: string;
  name: string;
  short: string;
  upn: string;
  userName: string;
  ip: string;
  /** Address after a move (VPN, new network), from `movesAt` on; null when it never moves. */
  ip2: string | null;
  movesAt: number;
  mapped: boolean;
  favorites: number[];
  reportId: number;
  ports: number;
}

function hex(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(r() * 16).toString(16);
  return s;
}

const BROWSERS = ['msedge.exe', 'chrome.exe', 'firefox.exe'];
const APPS = ['teams.exe', 'onedrive.exe', 'outlook.exe', 'slack.exe', 'zoom.exe', 'svchost.exe', 'python.exe'];

/** Rows of the whole fleet, in time order, generated day by day. */
export function* fleetRows(o: FleetOptions): Generator<RawRow> {
  const r = rng(o.seed);
  const hosts = [...CATALOG_HOSTS, ...tailHosts(400)];
  // Every host gets two addresses of its own; 30 more addresses never have a name.
  const hostIps = hosts.map((_, i) => [
    `20.${(i >> 8) & 255}.${i & 255}.${10 + (i % 7)}`,
    `52.${(i >> 8) & 255}.${i & 255}.${20 + (i % 5)}`,
  ]);
  const bareIps = Array.from({ length: 30 }, (_, i) => `198.51.100.${i + 1}`);
  const devices: Device[] = [];
  for (let d = 0; d < o.devices; d++) {
    const server = d % 10 === 9;
    const short = `${server ? 'srv' : 'ws'}-${String(d + 1).padStart(4, '0')}`;
    const first = ['ada', 'alan', 'grace', 'linus', 'barbara', 'ken', 'margaret', 'dennis'][d % 8];
    const userName = `${first}${d + 1}`;
    const favorites: number[] = [];
    const nFav = 25 + Math.floor(r() * 30);
    for (let i = 0; i < nFav; i++) {
      // Mostly catalog apps and the popular head of the tail, plus a few of the device's own.
      favorites.push(
        r() < 0.55 ? Math.floor(r() * CATALOG_HOSTS.length) : CATALOG_HOSTS.length + Math.floor(r() ** 2 * 400),
      );
    }
    devices.push({
      id: hex(r, 40),
      name: `${short}.contoso.local`,
      short,
      upn: `${userName}@contoso.com`,
      userName,
      ip: `10.${1 + (d >> 8)}.${d & 255}.${10 + Math.floor(r() * 200)}`,
      ip2: r() < 0.1 ? `192.168.${d & 255}.${10 + Math.floor(r() * 200)}` : null,
      movesAt: o.start + Math.floor(r() * o.days) * DAY + Math.floor(r() * 24) * HOUR,
      mapped: r() < 0.15,
      favorites,
      reportId: 1000 + Math.floor(r() * 1000),
      ports: 49152 + Math.floor(r() * 10000),
    });
  }

  let carry: RawRow[] = [];
  for (let day = 0; day < o.days; day++) {
    const dayStart = o.start + day * DAY;
    const weekend = new Date(dayStart).getUTCDay() % 6 === 0;
    const rows: RawRow[] = carry;
    for (const dev of devices) {
      for (let h = 0; h < 24; h++) {
        const working = !weekend && h >= 7 && h < 19;
        const rate = (o.activitiesPerDay / 12) * (working ? 0.85 : 0.08);
        const n = Math.floor(rate * (0.5 + r()));
        for (let k = 0; k < n; k++)
          activity(rows, r, dev, dayStart + h * HOUR + Math.floor(r() * HOUR), hosts, hostIps, bareIps);
      }
    }
    rows.sort((a, b) => a.ms - b.ms || a.tick - b.tick);
    const end = dayStart + DAY;
    let cut = rows.length;
    while (cut > 0 && rows[cut - 1].ms >= end) cut--;
    carry = rows.slice(cut);
    for (let i = 0; i < cut; i++) yield rows[i];
  }
  yield* carry;
}

function activity(
  rows: RawRow[],
  r: () => number,
  dev: Device,
  t: number,
  hosts: string[],
  hostIps: string[][],
  bareIps: string[],
): void {
  const localIp = dev.ip2 !== null && t >= dev.movesAt ? dev.ip2 : dev.ip;
  const row = (ms: number, action: string): RawRow => {
    const who = r();
    const service = who < 0.12;
    const local = !service && who < 0.18;
    return {
      ms,
      tick: Math.floor(r() * 10_000),
      DeviceId: dev.id,
      DeviceName: dev.name,
      ActionType: action,
      RemoteIP: '',
      RemotePort: null,
      RemoteUrl: '',
      LocalIP: dev.mapped && r() < 0.5 ? `::ffff:${localIp}` : localIp,
      LocalPort: null,
      Protocol: 'Tcp',
      InitiatingProcessFileName: '',
      InitiatingProcessAccountDomain: service ? 'nt authority' : local ? dev.short.toUpperCase() : 'contoso',
      InitiatingProcessAccountName: service ? 'system' : local ? 'localadmin' : dev.userName,
      InitiatingProcessAccountUpn: service || local ? '' : dev.upn,
      ReportId: dev.reportId++,
      AdditionalFields: '',
    };
  };
  const fav = dev.favorites[Math.floor(r() ** 3 * dev.favorites.length)];
  const host = hosts[fav];
  const ip = hostIps[fav][r() < 0.8 ? 0 : 1];
  const port = r() < 0.9 ? 443 : 80;
  const localPort = dev.ports++;
  if (dev.ports > 65000) dev.ports = 49152;
  const socket = (x: RawRow, remoteIp: string) => {
    x.RemoteIP = remoteIp;
    x.RemotePort = port;
    x.LocalPort = localPort;
    return x;
  };
  const p = r();
  if (p < 0.06) {
    // Not outbound transactions: skipped by both paths.
    const kinds = [
      'InboundConnectionAccepted',
      'ListeningConnectionCreated',
      'NetworkSignatureInspected',
      'InboundInternetScanInspected',
    ];
    const x = socket(row(t, kinds[Math.floor(r() * kinds.length)]), ip);
    if (x.ActionType === 'NetworkSignatureInspected')
      x.AdditionalFields = '{"SignatureName":"Test","SignatureMatchedContent":"x"}';
    rows.push(x);
    return;
  }
  if (p < 0.065) {
    // An inbound TLS inspection: skipped.
    const x = socket(row(t, 'SslConnectionInspected'), ip);
    x.AdditionalFields = JSON.stringify({ direction: 'In', server_name: host, uid: `Cin${hex(r, 12)}` });
    rows.push(x);
    return;
  }
  const browser = r() < 0.5;
  const conn = socket(row(t, 'ConnectionSuccess'), ip);
  conn.InitiatingProcessFileName = browser ? BROWSERS[Math.floor(r() * 3)] : APPS[Math.floor(r() * APPS.length)];
  if (p < 0.5) {
    // Named by RemoteUrl, in the shapes the portal shows.
    const shape = r();
    conn.RemoteUrl =
      shape < 0.6
        ? host
        : shape < 0.8
          ? `https://${host}/path/${Math.floor(r() * 100)}?q=1`
          : shape < 0.9
            ? `${host.toUpperCase()}.`
            : `http://${host}:${port}/`;
    const q = r();
    if (q < 0.05) conn.ActionType = 'ConnectionFailed';
    else if (q < 0.08) conn.ActionType = 'ConnectionAttempt';
    else if (q < 0.1) conn.AdditionalFields = '{"BlockedByNetworkProtection":true}';
    else if (q < 0.11) conn.AdditionalFields = '{"ResponseCategory":"CustomBlockList"}';
    else if (q < 0.12) conn.AdditionalFields = '{"Verdict":"Blocked by policy"}';
    else if (q < 0.13) conn.AdditionalFields = '{"IsBlocklisted":false,"Action":"Allow"}';
    rows.push(conn);
    return;
  }
  if (p < 0.78) {
    // No RemoteUrl; an inspection of the same socket names it (and sometimes sizes it).
    const sni = r() < 0.75;
    const insp = socket(row(t, sni ? 'SslConnectionInspected' : 'HttpConnectionInspected'), ip);
    // Usually just after the connection, sometimes just before, within the 5 s merge window.
    const dt = r() < 0.85 ? Math.floor(50 + r() * 2500) : -Math.floor(50 + r() * 1500);
    insp.ms = t + dt;
    const af: Record<string, unknown> = { direction: 'Out', uid: `C${hex(r, 16)}` };
    if (sni) af.server_name = r() < 0.9 ? host : host.toUpperCase();
    else af.host = r() < 0.8 ? host : `${host}:${port}`;
    if (r() < 0.4) {
      af.orig_bytes = String(Math.floor(r() * 50_000));
      af.resp_bytes = Math.floor(r() * 2_000_000);
    }
    insp.AdditionalFields = JSON.stringify(af);
    rows.push(conn, insp);
    if (r() < 0.1) {
      // A later record of the same Zeek connection: merged through its uid, not counted again.
      const more = socket(row(t + 20_000 + Math.floor(r() * 20_000), 'HttpConnectionInspected'), ip);
      more.AdditionalFields = JSON.stringify({ direction: 'Out', host, uid: af.uid });
      rows.push(more);
    }
    return;
  }
  if (p < 0.88) {
    // No RemoteUrl; the device resolved the name a moment before.
    const dns = row(t - Math.floor(20 + r() * 3000), 'DnsConnectionInspected');
    dns.RemoteIP = '10.0.0.53';
    dns.RemotePort = 53;
    dns.LocalPort = 50000 + Math.floor(r() * 10000);
    dns.Protocol = 'Udp';
    const answers = JSON.stringify([`${host}.cdn.example.net`, ...hostIps[fav]]);
    dns.AdditionalFields = JSON.stringify({ direction: 'Out', query: host, answers, uid: `D${hex(r, 12)}` });
    rows.push(dns, conn);
    return;
  }
  if (p < 0.95) {
    // An address nobody named.
    conn.RemoteIP = bareIps[Math.floor(r() * bareIps.length)];
    conn.RemotePort = r() < 0.5 ? 443 : 8443;
    rows.push(conn);
    return;
  }
  // A standalone inspection (no connection row), sometimes two rows of one Zeek connection.
  const uid = `C${hex(r, 16)}`;
  const first = socket(row(t, r() < 0.5 ? 'HttpConnectionInspected' : 'SslConnectionInspected'), ip);
  first.AdditionalFields = JSON.stringify(
    first.ActionType === 'HttpConnectionInspected'
      ? { direction: 'Out', host, uid }
      : { direction: 'Out', server_name: host, uid },
  );
  rows.push(first);
  if (r() < 0.3) {
    const second = socket(row(t + 20_000 + Math.floor(r() * 30_000), 'HttpConnectionInspected'), ip);
    second.AdditionalFields = JSON.stringify({ direction: 'Out', host, uid, orig_bytes: 1200, resp_bytes: 5600 });
    rows.push(second);
  }
}

// ---------------------------------------------------------------------------
// The export as the advanced hunting portal writes it

export const RAW_COLUMNS = [
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
  'InitiatingProcessAccountDomain',
  'InitiatingProcessAccountName',
  'InitiatingProcessAccountUpn',
  'ReportId',
  'AdditionalFields',
] as const;

/** Kusto's datetime text: 7 fractional digits, UTC. */
export function kustoTime(ms: number, tick: number): string {
  const iso = new Date(ms).toISOString(); // 2026-01-01T10:00:00.123Z
  return `${iso.slice(0, 23)}${String(tick).padStart(4, '0')}Z`;
}

function cell(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function rawCsvHeader(): string {
  return `${RAW_COLUMNS.join(',')}\r\n`;
}

export function rawCsvLine(x: RawRow): string {
  return `${[
    kustoTime(x.ms, x.tick),
    x.DeviceId,
    x.DeviceName,
    x.ActionType,
    x.RemoteIP,
    x.RemotePort,
    x.RemoteUrl,
    x.LocalIP,
    x.LocalPort,
    x.Protocol,
    x.InitiatingProcessFileName,
    x.InitiatingProcessAccountDomain,
    x.InitiatingProcessAccountName,
    x.InitiatingProcessAccountUpn,
    x.ReportId,
    x.AdditionalFields,
  ]
    .map(cell)
    .join(',')}\r\n`;
}
