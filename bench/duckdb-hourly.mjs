// The reference to beat: DuckDB reads the same file with `read_csv` (default
// sniffing, default threads) and builds the same hourly groups our engine builds
// — (hour, device, user, local IP, host or remote IP) with count, first and last
// seen (and bytes where the source has them) — then hands the groups to JS, as
// our engine must hand its facts on. Run as its own process so start-up counts.
//
//   node bench/duckdb-hourly.mjs <file> --kind defender|zeek|squid
// Prints one JSON line: groups, transactions, seconds for the query and the hand-over.
import { DuckDBInstance } from '@duckdb/node-api';

// Outbound connection rows: one transaction each. Protocol inspections of an
// already counted connection enrich it in our engine rather than count, so they
// are left out here; inbound, listening, DNS and signature rows are skipped by both.
const CONNECTIONS = [
  'ConnectionSuccess',
  'ConnectionAttempt',
  'ConnectionRequest',
  'ConnectionFailed',
  'ConnectionFound',
  'ConnectionAcknowledged',
];

const sqlString = (s) => `'${s.replace(/'/g, "''")}'`;

/** Host of RemoteUrl (bare host or URL), lowercase, else the remote IP. */
const URL_HOST = `lower(nullif(regexp_extract(RemoteUrl, '^(?:[A-Za-z][A-Za-z0-9+.-]*://)?(?:[^@/]*@)?([^/:?#]+)', 1), ''))`;

function query(kind, file) {
  const f = sqlString(file);
  if (kind === 'defender') {
    return `
      SELECT date_trunc('hour', Timestamp) AS hour, DeviceId AS device,
             coalesce(nullif(InitiatingProcessAccountUpn, ''), InitiatingProcessAccountName) AS usr,
             LocalIP AS local_ip, coalesce(${URL_HOST}, RemoteIP) AS host,
             count(*) AS transactions, min(Timestamp) AS first_seen, max(Timestamp) AS last_seen
      FROM read_csv(${f})
      WHERE ActionType IN (${CONNECTIONS.map(sqlString).join(', ')})
      GROUP BY ALL`;
  }
  if (kind === 'zeek') {
    const names = [
      'ts',
      'uid',
      'orig_h',
      'orig_p',
      'resp_h',
      'resp_p',
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
    return `
      SELECT date_trunc('hour', to_timestamp(ts)) AS hour, orig_h AS device, NULL AS usr, orig_h AS local_ip,
             resp_h AS host, count(*) AS transactions, sum(orig_bytes) AS bytes_up, sum(resp_bytes) AS bytes_down,
             min(ts) AS first_seen, max(ts) AS last_seen
      FROM read_csv(${f}, delim = '\\t', header = false, comment = '#', nullstr = '-',
                    names = [${names.map(sqlString).join(', ')}])
      GROUP BY ALL`;
  }
  if (kind === 'squid') {
    // Native access.log pads columns with runs of spaces: read whole lines, split on whitespace.
    return `
      WITH l AS (
        SELECT string_split_regex(trim(line), '\\s+') AS p
        FROM read_csv(${f}, delim = '\\t', header = false, quote = '', escape = '', columns = {'line': 'VARCHAR'})
      ), e AS (
        SELECT CAST(p[1] AS DOUBLE) AS ts, p[3] AS ip, CAST(p[5] AS BIGINT) AS bytes, p[8] AS usr,
               CASE WHEN p[6] = 'CONNECT' THEN lower(split_part(p[7], ':', 1))
                    ELSE lower(regexp_extract(p[7], '^[a-z]+://([^/:?#]+)', 1)) END AS host
        FROM l
      )
      SELECT date_trunc('hour', to_timestamp(ts)) AS hour, ip AS device, nullif(usr, '-') AS usr, ip AS local_ip, host,
             count(*) AS transactions, sum(bytes) AS bytes_down, min(ts) AS first_seen, max(ts) AS last_seen
      FROM e GROUP BY ALL`;
  }
  throw new Error(`unknown kind ${kind}`);
}

async function main() {
  const args = process.argv.slice(2);
  const file = args[0];
  const k = args.indexOf('--kind');
  const kind = k >= 0 ? args[k + 1] : 'defender';
  if (!file) {
    console.error('usage: node bench/duckdb-hourly.mjs <file> --kind defender|zeek|squid');
    process.exit(64);
  }
  const t0 = performance.now();
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const t1 = performance.now();
  const result = await conn.run(query(kind, file));
  const chunks = [];
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    chunks.push(chunk);
  }
  const t2 = performance.now();
  // The hand-over: every group as JS values (what a caller would go on to use).
  let groups = 0;
  let transactions = 0;
  for (const chunk of chunks) {
    for (const row of chunk.getRows()) {
      groups++;
      transactions += Number(row[5]);
    }
  }
  const t3 = performance.now();
  conn.closeSync();
  instance.closeSync();
  process.stdout.write(
    `${JSON.stringify({
      file,
      kind,
      groups,
      transactions,
      openSeconds: (t1 - t0) / 1000,
      querySeconds: (t2 - t1) / 1000,
      handOverSeconds: (t3 - t2) / 1000,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
    })}\n`,
  );
}

void main();
