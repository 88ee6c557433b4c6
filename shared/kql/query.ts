/**
 * KQL that makes Kusto (Defender XDR advanced hunting, or a Sentinel / Log
 * Analytics workspace) do the hourly aggregation Cloudscope would do on import,
 * so a fleet too large to export event by event comes back as facts.
 *
 * The slice query applies the raw importer's transaction rules (see
 * formats/defender-common.ts) to `DeviceNetworkEvents`:
 * - accepted: the outbound connection ActionTypes and the outbound protocol
 *   inspections; skipped: inbound, listening, scan and signature rows, inbound
 *   inspections and DNS inspections (which only name remote IPs); undocumented
 *   ActionTypes are classified by the same name rules;
 * - account: UPN, else DOMAIN\name (just the name for a local account whose
 *   domain is the device's own name); host: the hostname of RemoteUrl, else (an
 *   inspection) AdditionalFields server_name / host, else the latest DNS answer
 *   for that IP on the device, else the remote IP; hostnames lowercased,
 *   without port or trailing dot, IP literals never count as names;
 * - an inspection of a socket (device, local port, remote IP and port) with a
 *   connection row within 5 s is not a transaction of its own: it names the
 *   connection (and gives it its bytes, orig_bytes / resp_bytes). This is a
 *   time-window join (https://learn.microsoft.com/kusto/query/join-time-window);
 *   inspections with the Zeek uid of a merged one merge too, and standalone
 *   inspections sharing a uid count once; each slice reads a minute beyond its
 *   edges so that such merges come out the same on both sides of an edge;
 * - blocked: connections whose ActionType says "blocked", or whose
 *   AdditionalFields carry a *block* key set to true or an action / verdict
 *   value containing "block".
 *
 * Where Kusto can only approximate the importer (which reads one file in order
 * through a bounded buffer), see KQL_APPROXIMATIONS.
 */

export type KqlTarget = 'advanced-hunting' | 'sentinel';

export interface KqlOptions {
  target: KqlTarget;
  /** Device filter patterns (see deviceFilterClause); empty = every device. */
  devices: readonly string[];
}

/** A contiguous time range and one share of the devices (parts = 1: all of them). */
export interface Slice {
  /** 1-based position and count, for the header comment. */
  index: number;
  total: number;
  /** UTC ms, from inclusive, to exclusive; whole hours. */
  from: number;
  to: number;
  part: number;
  parts: number;
  /** Facts the counting query expects in this slice; null when planned without counts. */
  expectedFacts: number | null;
}

/** What each target allows, from the vendors' documented limits (cited in the comments). */
export interface TargetLimits {
  label: string;
  /** Column holding the event time. */
  timeColumn: 'Timestamp' | 'TimeGenerated';
  /** Most rows one query returns. */
  rowCap: number;
  /** Rows per slice the planner aims at: under the cap with room for the counts' estimation error. */
  defaultRowsPerSlice: number;
  /** Days of data the service keeps by default; null when it depends on the workspace. */
  retentionDays: number | null;
}

export const TARGETS: Record<KqlTarget, TargetLimits> = {
  // "Quotas and usage parameters" (https://learn.microsoft.com/defender-xdr/advanced-hunting-overview):
  // each query returns up to 100,000 rows and 64 MB of results, runs up to 10 minutes, and
  // looks back 30 days. A facts row is about 200 bytes, so 90,000 rows stay near 20 MB.
  'advanced-hunting': {
    label: 'Microsoft Defender XDR — Advanced hunting',
    timeColumn: 'Timestamp',
    rowCap: 100_000,
    defaultRowsPerSlice: 90_000,
    retentionDays: 30,
  },
  // Azure Monitor service limits, Log Analytics workspaces, Azure portal and query API
  // (https://learn.microsoft.com/azure/azure-monitor/fundamentals/service-limits): at most
  // 500,000 records and ~100 MB of data per query; 250,000 facts rows keep well under both.
  sentinel: {
    label: 'Microsoft Sentinel / Log Analytics — Logs',
    timeColumn: 'TimeGenerated',
    rowCap: 500_000,
    defaultRowsPerSlice: 250_000,
    retentionDays: null,
  },
};

/** The column names of a slice query's result, in order: the header the facts importer recognises. */
export const FACT_COLUMNS = [
  'Hour',
  'DeviceId',
  'DeviceName',
  'Account',
  'LocalIP',
  'Host',
  'Transactions',
  'Blocked',
  'BytesUp',
  'BytesDown',
  'FirstSeen',
  'LastSeen',
] as const;

/** Columns of the counting query's result. */
export const COUNT_COLUMNS = ['Day', 'Facts', 'Events'] as const;

/** Where the raw importer and the query may disagree, for the docs and the UI. */
export const KQL_APPROXIMATIONS: readonly string[] = [
  'An inspection merges into the nearest connection of its socket within 5 seconds. The importer merges within its read buffer: on a file sorted by time the result is the same; on an unsorted file of more than 4,096 rows it may count a few inspections on their own.',
  'When several inspections name one connection differently, the query keeps any one of the names (and byte counts); the importer keeps the first it read.',
  'Standalone inspections without a Zeek uid count once each; the importer counts inspections of one socket within 5 seconds of each other once.',
  'A connection without a name takes the latest DNS answer for its IP on that device within the slice, when the first such answer came before the connection (or up to a minute after). The importer takes the latest answer read so far, so a newest-first export names fewer connections, and an IP whose name changes within the slice may be named differently.',
  'Slices read one minute of rows beyond each edge, so merges across an edge come out as in one query; a DNS answer read more than a minute before its slice began is not seen there.',
  'Undocumented ActionTypes that do not start with "Connection" are classified by name here; the importer can do so only when the export names its table (Sentinel’s Type column) and otherwise skips them as rows of another table.',
  'The Sentinel variant bins by TimeGenerated; the importer reads Timestamp when a file has both.',
];

/** One paragraph for the Data sources screen and the README: where the queries go. */
export const WHERE_TO_RUN =
  'Run these queries where your Defender data lives. In the Microsoft Defender portal, open Hunting › Advanced ' +
  'hunting, switch to the query editor (advanced mode), paste a query and run it — the query sets its own time ' +
  'range, so the time picker does not matter — then export the result with Export › CSV. With Microsoft Sentinel ' +
  'or any Log Analytics workspace that receives DeviceNetworkEvents (choose the Sentinel variant), open Logs in ' +
  'the workspace, switch to KQL mode, paste, run and export the result as CSV (all columns); JSON from the query ' +
  'APIs works too. Run the counting query first and give its CSV to Cloudscope: it splits the time range into ' +
  'slices that each stay under the portal’s row cap and gives you one query per slice. Import the slices’ files ' +
  'into one data source like any other telemetry: Cloudscope recognises them by their header and adds them as ' +
  'hourly facts.';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// ---------------------------------------------------------------------------
// Literals

/** A KQL string literal; control characters are refused by the callers that take user text. */
export function kqlString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function kqlDatetime(ms: number): string {
  return `datetime(${isoUtc(ms)})`;
}

/** 00:00 UTC of the day holding `ms`. */
export function utcDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

// ---------------------------------------------------------------------------
// Device filter

const HEX_DEVICE_ID = /^[0-9a-f]{40}$/i;

/**
 * Device filter patterns, case-insensitive, matched against DeviceName (a
 * 40-hex-digit pattern matches DeviceId): `pc01.contoso.com` exact, `srv-*`
 * prefix, `*.contoso.com` suffix, `*sql*` substring, other `*` positions a
 * wildcard. Returns null for no filter; throws on characters a name cannot hold.
 */
export function deviceFilterClause(patterns: readonly string[]): string | null {
  const terms: string[] = [];
  for (const raw of patterns) {
    const p = raw.trim();
    if (p.length === 0) continue;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    if (/[\u0000-\u001f\u007f]/.test(p)) throw new Error(`Device filter "${raw}" contains a control character`);
    if (HEX_DEVICE_ID.test(p)) {
      terms.push(`DeviceId =~ ${kqlString(p)}`);
      continue;
    }
    const stars = p.split('*').length - 1;
    const inner = p.replace(/^\*+|\*+$/g, '');
    if (stars === 0) terms.push(`DeviceName =~ ${kqlString(p)}`);
    else if (inner.length === 0)
      return null; // "*" alone: every device
    else if (inner.indexOf('*') < 0 && p.startsWith('*') && p.endsWith('*'))
      terms.push(`DeviceName contains ${kqlString(inner)}`);
    else if (inner.indexOf('*') < 0 && p.endsWith('*')) terms.push(`DeviceName startswith ${kqlString(inner)}`);
    else if (inner.indexOf('*') < 0 && p.startsWith('*')) terms.push(`DeviceName endswith ${kqlString(inner)}`);
    else {
      const re = p
        .split('*')
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*');
      terms.push(`DeviceName matches regex ${kqlString(`(?i)^${re}$`)}`);
    }
  }
  return terms.length === 0 ? null : terms.join(' or ');
}

// ---------------------------------------------------------------------------
// Shared pieces of both queries

/** Scalar functions mirroring formats/defender-values.ts (normalizeHost, parseRemoteUrl, normalizeIp). */
const FUNCTIONS = `// A hostname as Cloudscope keeps it: lowercase, no port, no trailing dot; empty for IP literals and non-names.
let HostName = (h: string) {
    let t = trim(@"\\s+", h);
    let colons = countof(t, ":");
    let name = tolower(trim_end(@"\\.+", iff(colons == 1, substring(t, 0, indexof(t, ":")), iff(colons > 1, "", t))));
    iff(strlen(name) <= 253 and name matches regex @"^[a-z0-9._*\\x{80}-\\x{10FFFF}-]+$" and not(name matches regex @"^[0-9.]+$"), name, "")
};
// The host of RemoteUrl, which holds a bare name or a URL.
let UrlHost = (u: string) {
    let s = trim(@"\\s+", u);
    let sep = indexof(s, "://");
    let rest = iff(sep > 0 and sep < 12, substring(s, sep + 3), iff(s startswith "//", substring(s, 2), s));
    HostName(extract(@"[^@]*$", 0, extract(@"^[^/?#]*", 0, rest)))
};
// IPv4-mapped IPv6 as IPv4, other IPv6 lowercase.
let Addr = (ip: string) {
    let t = trim(@"\\s+", ip);
    iff(t == "-", "", iff(tolower(substring(t, 0, 7)) == "::ffff:" and indexof(t, ".", 7) > 0, substring(t, 7), tolower(t)))
};
// UPN, else DOMAIN\\name; a local account (domain = the device's own name) is just its name.
let AccountOf = (upn: string, name: string, domain: string, device: string) {
    iff(isnotempty(upn), upn, iff(isempty(name), "", iff(isempty(domain) or domain =~ tostring(split(device, ".")[0]), name, strcat(domain, "\\\\", name))))
};`;

/** Transaction kind by ActionType: "c" connection, "i" outbound inspection, "" not a transaction. */
const KIND = `case(
        ActionType in~ ("ConnectionSuccess", "ConnectionAttempt", "ConnectionRequest", "ConnectionFound", "ConnectionAcknowledged", "ConnectionFailed"), "c",
        ActionType in~ ("HttpConnectionInspected", "SslConnectionInspected", "FtpConnectionInspected", "SmtpConnectionInspected", "SshConnectionInspected", "NtlmAuthenticationInspected", "IcmpConnectionInspected"), "i",
        ActionType in~ ("DnsConnectionInspected", "InboundConnectionAccepted", "ListeningConnectionCreated", "InboundInternetScanInspected", "NetworkSignatureInspected"), "",
        // ActionTypes the schema does not document yet, by the importer's name rules
        ActionType startswith "inbound" or ActionType startswith "listening", "",
        ActionType startswith "connection", "c",
        ActionType startswith "ntlm" and ActionType endswith "inspected", "i",
        ActionType endswith "connectioninspected", "i",
        ActionType contains "blocked", "c",
        "")`;

function header(title: string, opts: KqlOptions, lines: string[]): string {
  const t = TARGETS[opts.target];
  const devices = opts.devices.filter((d) => d.trim().length > 0);
  return [
    `// Cloudscope — ${title}`,
    `// ${t.label}; devices: ${devices.length > 0 ? devices.join(', ') : 'all'}`,
    ...lines.map((l) => `// ${l}`),
  ].join('\n');
}

/** The rows of DeviceNetworkEvents in [from, to) for the chosen devices (and share of devices). */
function eventsSource(opts: KqlOptions, part: number, parts: number, margin: boolean): string {
  const time = TARGETS[opts.target].timeColumn;
  const filter = deviceFilterClause(opts.devices);
  const lines = [
    'DeviceNetworkEvents',
    margin
      ? `    | where ${time} >= WindowStart - Margin and ${time} < WindowEnd + Margin`
      : `    | where ${time} >= WindowStart and ${time} < WindowEnd`,
    ...(filter ? [`    | where ${filter}`] : []),
    '    | extend DevKey = iff(isnotempty(DeviceId), DeviceId, tolower(DeviceName))',
    '    | where isnotempty(DevKey)',
    ...(parts > 1 ? [`    | where hash_xxhash64(DevKey, ${parts}) == ${part}`] : []),
    `    | extend Time = ${time}`,
  ];
  return lines.join('\n');
}

// ---------------------------------------------------------------------------
// The counting query

/**
 * A cheap first pass: per UTC day of the window, about how many hourly facts the
 * slice queries will return (distinct hour, device, account, local IP and
 * host; dcount is an estimate within about 1%) and how many events they read.
 * Inspections are counted as their own facts here, before any merge, so the
 * figure leans high, which is the safe side for sizing slices.
 */
export function countingQuery(opts: KqlOptions, from: number, to: number): string {
  const days = Math.round((utcDay(to) - utcDay(from)) / DAY);
  return `${header('counting query: hourly facts per day', opts, [
    `Window ${isoUtc(from)} to ${isoUtc(to)} (UTC), ${days} day(s). Export the result as CSV and give it to Cloudscope,`,
    'which then writes one query per slice of the window.',
  ])}
let WindowStart = ${kqlDatetime(utcDay(from))};
let WindowEnd = ${kqlDatetime(utcDay(to))};
${eventsSource(opts, 0, 1, false)}
    | extend Kind = ${KIND}
    | where isnotempty(Kind)
    | extend Fields = tostring(AdditionalFields)
    | extend Host = tolower(extract(@"^(?:[^/?#]*://)?(?:[^@/?#]*@)?([^/?#:]*)", 1, RemoteUrl))
    | extend Host = iff(isnotempty(Host), Host, iff(Kind == "i", tolower(extract(@"""(?:server_name|host)""\\s*:\\s*""([^"":]*)", 1, Fields)), ""))
    | extend Host = iff(isnotempty(Host), Host, RemoteIP)
    | extend Acct = iff(isnotempty(InitiatingProcessAccountUpn), InitiatingProcessAccountUpn, strcat(InitiatingProcessAccountDomain, "\\\\", InitiatingProcessAccountName))
    | summarize Facts = dcount(strcat(bin(Time, 1h), "|", DevKey, "|", Acct, "|", LocalIP, "|", Host)), Events = count() by Day = startofday(Time)
    | join kind=rightouter (range Day from WindowStart to WindowEnd - 1d step 1d) on Day
    | project Day = format_datetime(Day1, "yyyy-MM-dd"), Facts = coalesce(Facts, long(0)), Events = coalesce(Events, long(0))
    | order by Day asc`;
}

// ---------------------------------------------------------------------------
// The slice query

export function sliceQuery(opts: KqlOptions, slice: Slice): string {
  const t = TARGETS[opts.target];
  const parts = slice.parts > 1 ? `, devices share ${slice.part + 1} of ${slice.parts}` : '';
  const expected =
    slice.expectedFacts === null
      ? `planned without counts: check that the result stays under ${t.rowCap.toLocaleString('en-US')} rows`
      : `about ${slice.expectedFacts.toLocaleString('en-US')} rows expected (cap ${t.rowCap.toLocaleString('en-US')})`;
  return `${header(`hourly facts, slice ${slice.index} of ${slice.total}`, opts, [
    `Window ${isoUtc(slice.from)} to ${isoUtc(slice.to)} (UTC)${parts}; ${expected}.`,
    'Export the result (CSV, or JSON from an API) and import it into Cloudscope.',
  ])}
let WindowStart = ${kqlDatetime(slice.from)};
let WindowEnd = ${kqlDatetime(slice.to)};
// An inspection this close to a connection of the same socket describes that connection.
let MergeWindow = 5s;
// A DNS answer read up to this long after a connection still names it (the importer's read-ahead).
let DnsReach = 1m;
// Rows this close outside the window are read too, so that merges across a slice edge come out the same
// in both slices; only transactions inside the window are counted.
let Margin = 1m;
${FUNCTIONS}
let Iso = (t: datetime) { strcat(format_datetime(t, "yyyy-MM-dd"), "T", format_datetime(t, "HH:mm:ss.fffffff"), "Z") };
let Events = ${eventsSource(opts, slice.part, slice.parts, true)}
    | extend Fields = tostring(AdditionalFields)
    | extend AF = iff(ActionType endswith "Inspected", todynamic(Fields), dynamic(null));
let Rows = Events
    | extend Kind = ${KIND}
    | where Kind == "c" or (Kind == "i" and tolower(tostring(AF.direction)) != "in")
    | extend LocalAddr = Addr(LocalIP), RemoteAddr = Addr(RemoteIP)
    | extend Host = UrlHost(RemoteUrl)
    | extend Host = iff(isnotempty(Host) or Kind != "i", Host, coalesce(HostName(tostring(AF.server_name)), HostName(tostring(AF.host))))
    | extend Up = iff(Kind == "i", tolong(tostring(AF.orig_bytes)), long(null)), Down = iff(Kind == "i", tolong(tostring(AF.resp_bytes)), long(null))
    | extend Up = iff(Up >= 0, Up, long(null)), Down = iff(Down >= 0, Down, long(null))
    | extend IsBlocked = Kind == "c" and (ActionType contains "blocked"
        or tolower(Fields) matches regex @"""[^""]*block[^""]*""\\s*:\\s*(true|""true"")"
        or tolower(Fields) matches regex @"""(action|actiontaken|responsecategory|verdict)""\\s*:\\s*""[^""]*block")
    | extend Socket = iff(isnotnull(LocalPort) and isnotnull(RemotePort) and isnotempty(RemoteAddr), strcat(DevKey, "|", LocalPort, "|", RemoteAddr, "|", RemotePort), "")
    | extend Uid = iff(Kind == "i", tostring(AF.uid), "")
    | extend RowId = hash_xxhash64(strcat(DevKey, "|", Time, "|", ReportId, "|", ActionType))
    | extend Account = AccountOf(InitiatingProcessAccountUpn, InitiatingProcessAccountName, InitiatingProcessAccountDomain, DeviceName)
    | project Time, Kind, RowId, DevKey, DeviceId, DeviceName, Account, LocalAddr, RemoteAddr, Host, Up, Down, IsBlocked, Socket, Uid;
// Each inspection's nearest connection on the same socket within MergeWindow (a time-window join).
let Links = Rows
    | where Kind == "i" and isnotempty(Socket)
    | project InspId = RowId, Socket, ITime = Time, IHost = Host, IUp = Up, IDown = Down, IUid = Uid, IDevKey = DevKey
    | extend TimeKey = range(bin(ITime - MergeWindow, MergeWindow), bin(ITime + MergeWindow, MergeWindow), MergeWindow)
    | mv-expand TimeKey to typeof(datetime)
    | join kind=inner hint.shufflekey=Socket (
        Rows
        | where Kind == "c" and isnotempty(Socket)
        | project ConnId = RowId, Socket, CTime = Time, TimeKey = bin(Time, MergeWindow)
        ) on Socket, TimeKey
    | extend Gap = iff(CTime > ITime, CTime - ITime, ITime - CTime)
    | where Gap <= MergeWindow
    | summarize arg_min(Gap, ConnId, IHost, IUp, IDown, IUid, IDevKey) by InspId;
// Connections, named and sized by the inspections merged into them.
let Connections = Rows
    | where Kind == "c"
    | join kind=leftouter (
        Links
        | summarize IHost = take_anyif(IHost, isnotempty(IHost)), IUp = take_anyif(IUp, isnotnull(IUp)), IDown = take_anyif(IDown, isnotnull(IDown)) by RowId = ConnId
        ) on RowId
    | project Time, DevKey, DeviceId, DeviceName, Account, LocalAddr, RemoteAddr, Host = iff(isnotempty(Host), Host, IHost), Up = coalesce(Up, IUp), Down = coalesce(Down, IDown), IsBlocked;
// Inspections that describe no connection: one transaction per Zeek uid (or per row without one).
let Standalone = Rows
    | where Kind == "i"
    | join kind=leftanti (Links | project RowId = InspId) on RowId
    | join kind=leftanti (Links | where isnotempty(IUid) | project DevKey = IDevKey, Uid = IUid | distinct DevKey, Uid) on DevKey, Uid
    | extend Group = iff(isnotempty(Uid), strcat(DevKey, "|", Uid), tostring(RowId))
    | summarize arg_min(Time, DevKey, DeviceId, DeviceName, Account, LocalAddr, RemoteAddr, Host, Up, Down), AnyHost = take_anyif(Host, isnotempty(Host)), AnyUp = take_anyif(Up, isnotnull(Up)), AnyDown = take_anyif(Down, isnotnull(Down)) by Group
    | project Time, DevKey, DeviceId, DeviceName, Account, LocalAddr, RemoteAddr, Host = iff(isnotempty(Host), Host, AnyHost), Up = coalesce(Up, AnyUp), Down = coalesce(Down, AnyDown), IsBlocked = false;
// Names from DNS answers, per device and answered IP.
let DnsNames = Events
    | where ActionType =~ "DnsConnectionInspected" and tolower(tostring(AF.direction)) != "in"
    | extend Query = HostName(tostring(AF.query))
    | where isnotempty(Query)
    | extend DnsName = Query
    | mv-expand Answer = todynamic(tostring(AF.answers)) to typeof(string)
    | extend RemoteAddr = Addr(Answer)
    | where RemoteAddr matches regex @"^[0-9.]+$" or RemoteAddr contains ":"
    | summarize arg_max(Time, DnsName), FirstAnswer = min(Time) by DevKey, RemoteAddr
    | project DevKey, RemoteAddr, DnsName, FirstAnswer;
let Transactions = union Connections, Standalone
    | where Time >= WindowStart and Time < WindowEnd;
union
    (Transactions | where isnotempty(Host)),
    (Transactions
        | where isempty(Host)
        | join kind=leftouter DnsNames on DevKey, RemoteAddr
        | project Time, DevKey, DeviceId, DeviceName, Account, LocalAddr, RemoteAddr, Host = iff(isnotempty(DnsName) and FirstAnswer <= Time + DnsReach, DnsName, ""), Up, Down, IsBlocked)
| extend Host = iff(isnotempty(Host), Host, RemoteAddr)
| summarize Transactions = count(), Blocked = countif(IsBlocked), UpKnown = countif(isnotnull(Up)), BytesUp = sum(Up), DownKnown = countif(isnotnull(Down)), BytesDown = sum(Down), FirstSeen = min(Time), LastSeen = max(Time), DeviceId = take_any(DeviceId), DeviceName = take_anyif(DeviceName, isnotempty(DeviceName)) by HourBin = bin(Time, 1h), DevKey, Account, LocalAddr, Host
| project Hour = Iso(HourBin), DeviceId, DeviceName, Account, LocalIP = LocalAddr, Host, Transactions, Blocked, BytesUp = iff(UpKnown > 0, BytesUp, long(null)), BytesDown = iff(DownKnown > 0, BytesDown, long(null)), FirstSeen = Iso(FirstSeen), LastSeen = Iso(LastSeen)`;
}

// ---------------------------------------------------------------------------
// Windows

/** The window of `--days N`: the N whole UTC days before `end` (default: before today). */
export function windowOfDays(days: number, end: number = Date.now()): { from: number; to: number } {
  if (!Number.isInteger(days) || days < 1) throw new Error('The window needs a whole number of days, 1 or more');
  const to = utcDay(end);
  return { from: to - days * DAY, to };
}
