/**
 * Writes a scenario as telemetry files: a Defender for Endpoint Advanced
 * Hunting CSV (the 14 columns analysts usually project; no byte columns) or
 * Zeek TSV logs (one conn log per day with orig/resp bytes, and one dns log
 * whose answers name every remote IP, as a resolver's log would).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Conn, Scenario } from './fleet';

export type ScenarioFormat = 'defender' | 'zeek';

const DEFENDER_HEADER =
  'Timestamp,DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,RemoteUrl,LocalIP,LocalPort,Protocol,InitiatingProcessFileName,InitiatingProcessAccountName,InitiatingProcessAccountUpn,ReportId';

const ZEEK_CONN_FIELDS = [
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
const ZEEK_CONN_TYPES =
  'time string addr port addr port enum string interval count count string bool bool count string count count count count set[string]';
const ZEEK_DNS_FIELDS =
  'ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto trans_id rtt query qclass qclass_name qtype qtype_name rcode rcode_name AA TC RD RA Z answers TTLs rejected';
const ZEEK_DNS_TYPES =
  'time string addr port addr port enum count interval string count string count string count string bool bool bool bool count vector[string] vector[interval] bool';

function zeekHeader(path: string, fields: string, types: string, open: number): string {
  const stamp = new Date(open).toISOString().slice(0, 19).replace(/[T:]/g, '-');
  return [
    '#separator \\x09',
    '#set_separator\t,',
    '#empty_field\t(empty)',
    '#unset_field\t-',
    `#path\t${path}`,
    `#open\t${stamp}`,
    `#fields\t${fields.split(' ').join('\t')}`,
    `#types\t${types.split(' ').join('\t')}`,
    '',
  ].join('\n');
}

/** A stable public-looking address per host (100.64.0.0/10), so DNS answers name each one. */
function ipOfHostIndex(i: number): string {
  const n = 0x64400000 + i + 1;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

async function drain(ws: WriteStream, text: string): Promise<void> {
  if (!ws.write(text)) await new Promise<void>((r) => ws.once('drain', () => r()));
}

async function close(ws: WriteStream): Promise<void> {
  await new Promise<void>((r, j) => ws.end((e?: Error | null) => (e ? j(e) : r())));
}

export interface WriteResult {
  files: string[];
  rows: number;
}

/** Writes every day of the scenario under `dir`; returns the files and the number of transactions. */
export async function writeScenario(s: Scenario, format: ScenarioFormat, dir: string): Promise<WriteResult> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  let rows = 0;
  const hostIndex = new Map(s.hosts.map((h, i) => [h, i]));
  const ipOf = (host: string) => {
    let i = hostIndex.get(host);
    if (i === undefined) {
      i = hostIndex.size;
      hostIndex.set(host, i);
    }
    return ipOfHostIndex(i);
  };
  if (format === 'zeek') {
    const path = join(dir, 'dns.log');
    const ws = createWriteStream(path);
    await drain(ws, zeekHeader('dns', ZEEK_DNS_FIELDS, ZEEK_DNS_TYPES, s.t0));
    const ts = ((s.t0 - 60_000) / 1000).toFixed(6);
    let q = 0;
    for (const host of s.hosts) {
      await drain(
        ws,
        `${ts}\tD${(q++).toString(36)}\t10.0.0.2\t53000\t10.0.0.53\t53\tudp\t${q % 65536}\t0.001\t${host}\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t${ipOf(host)}\t300.000000\tF\n`,
      );
    }
    await close(ws);
    files.push(path);
  }
  let uid = 0;
  const reportIds = new Map<number, number>();
  for (let d = 0; d < s.params.days; d++) {
    const conns: Conn[] = s.day(d);
    const date = new Date(s.t0 + d * 86_400_000).toISOString().slice(0, 10);
    const path = join(dir, format === 'zeek' ? `conn.${date}.log` : `DeviceNetworkEvents-${date}.csv`);
    const ws = createWriteStream(path);
    await drain(
      ws,
      format === 'zeek'
        ? zeekHeader('conn', ZEEK_CONN_FIELDS.join(' '), ZEEK_CONN_TYPES, s.t0 + d * 86_400_000)
        : `${DEFENDER_HEADER}\n`,
    );
    let buf = '';
    for (const c of conns) {
      const dev = c.dev;
      if (format === 'zeek') {
        const up = Number.isNaN(c.up) ? '-' : String(c.up);
        const down = Number.isNaN(c.down) ? '-' : String(c.down);
        buf += `${(c.t / 1000).toFixed(6)}\tC${(uid++).toString(36)}\t${dev.ip}\t${49152 + (uid % 16000)}\t${ipOf(c.host)}\t443\ttcp\tssl\t1.2\t${up}\t${down}\tSF\tT\tF\t0\tShADadFf\t10\t1000\t10\t1000\t-\n`;
      } else {
        const rid = (reportIds.get(dev.idx) ?? 0) + 1;
        reportIds.set(dev.idx, rid);
        const time = `${new Date(c.t).toISOString().slice(0, 23)}0000Z`;
        buf += `${time},${dev.id},${dev.name},ConnectionSuccess,${ipOf(c.host)},443,${c.host},${dev.ip},${49152 + (rid % 16000)},Tcp,${dev.server ? 'agent.exe' : 'msedge.exe'},${dev.account},${dev.user},${rid}\n`;
      }
      rows++;
      if (buf.length > 1 << 20) {
        await drain(ws, buf);
        buf = '';
      }
    }
    await drain(ws, buf);
    await close(ws);
    files.push(path);
  }
  return { files, rows };
}
