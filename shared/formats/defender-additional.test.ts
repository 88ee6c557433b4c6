import { describe, expect, it } from 'vitest';
import { type AdditionalKeys, emptyAdditionalKeys, readDoubledAdditional } from './defender-additional';
import { type DefenderRow, emptyPrep, emptyRow, prepRow, readsAdditionalKeys } from './defender-common';
import { mulberry32 } from './testing/harness';

const KEYS: (keyof AdditionalKeys)[] = [
  'direction',
  'uid',
  'server_name',
  'host',
  'orig_bytes',
  'resp_bytes',
  'query',
  'answers',
];

/** AdditionalFields JSON as a quoted CSV cell holds it, between its outer quotes. */
const doubled = (json: string) => json.replaceAll('"', '""');

/** The keys JSON.parse of the unescaped cell gives (undefined when absent), or null when it throws. */
function parsed(raw: string): Record<string, unknown> | null {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(raw.replaceAll('""', '"'));
  } catch {
    return null;
  }
  return Object.fromEntries(KEYS.map((k) => [k, Object.hasOwn(o, k) ? o[k] : undefined]));
}

function read(raw: string): Record<string, unknown> | null {
  const out = emptyAdditionalKeys();
  // Left over from an earlier row: each read must clear it.
  for (const k of KEYS) out[k] = 'stale';
  return readDoubledAdditional(raw, out) ? { ...out } : null;
}

const SSL =
  '{"direction":"Out","version":"TLSv13","curve":"x25519","server_name":"keap.com","resumed":"false","established":"true","subject":"CN=keap.com","uid":"CECRZo2Vgr5IMv9dTR","issuer":"CN=R11,O=Let\'s Encrypt,C=US","cipher":"TLS_AES_256_GCM_SHA384","ts":"134357183999990000"}';
const HTTP =
  '{"direction":"Out","host":"udemycdn.com","method":"GET","request_body_len":"0","response_body_len":"1263","status_code":"200","status_msg":"OK","tags":"[]","trans_depth":"1","uri":"/","user_agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64)","version":"1.1"}';

describe('readDoubledAdditional', () => {
  it('reads the keys of the inspections Defender writes, as JSON.parse of the unescaped cell gives them', () => {
    for (const json of [SSL, HTTP, '{}', '{"uid":"a","uid":"b","host":""}', '{"direction":"In","x":true,"y":null}']) {
      const raw = doubled(json);
      expect(read(raw)).not.toBeNull();
      expect(read(raw)).toEqual(parsed(raw));
    }
    expect(read(doubled(SSL))).toMatchObject({ direction: 'Out', server_name: 'keap.com', uid: 'CECRZo2Vgr5IMv9dTR' });
  });

  it('leaves every other shape to JSON.parse', () => {
    for (const json of [
      '{ "uid":"a"}',
      '{"uid": "a"}',
      '{"uid":"a"} ',
      '{"uid":"a\\"b"}',
      '{"answers":"[\\"1.2.3.4\\"]"}',
      '{"orig_bytes":12}',
      '{"a":{"uid":"x"}}',
      '{"a":["x"]}',
      '{"uid":"tab\there"}',
      '{"uid":"a",}',
      '{"uid":"a"}}',
      '{"uid":"a"}{}',
      '{"uid":"a"',
      '{"uid"}',
      '[]',
      '',
      '{',
    ]) {
      expect(read(doubled(json))).toBeNull();
    }
    // Quotes that are not doubled pairs: a cell as written never holds these from valid JSON.
    for (const raw of ['{"uid":"a"}', '{""uid"":""a"b""}', '{""uid"":""a""""b""}', '{""uid""""}', '{""uid"":"""}'])
      expect(read(raw)).toBeNull();
  });

  it('agrees with JSON.parse on random cells, or declines them', () => {
    const rand = mulberry32(5);
    const pick = <T>(a: T[]) => a[Math.floor(rand() * a.length)];
    const names = [...KEYS, 'version', 'tags', 'Direction', 'uidx', 'hos', '', '__proto__', 'é'];
    const strings = ['', 'Out', 'In', 'a,b', 'x:y', '{}', '[1]', 'é ® 例', 'true', '12', 'a\\b', 'q"q', 'nl\nx', ' '];
    let accepted = 0;
    for (let k = 0; k < 5000; k++) {
      const parts: string[] = [];
      const n = Math.floor(rand() * 6);
      for (let i = 0; i < n; i++) {
        const r = rand();
        const value =
          r < 0.6
            ? JSON.stringify(pick(strings))
            : r < 0.75
              ? pick(['true', 'false', 'null'])
              : r < 0.85
                ? pick(['0', '-1.5', '1e3'])
                : pick(['[]', '{}', '["a",1]', '{"uid":"n"}']);
        parts.push(`${JSON.stringify(pick(names))}:${value}`);
      }
      let json = `{${parts.join(',')}}`;
      const m = rand();
      if (m < 0.05) json = json.slice(0, Math.floor(rand() * json.length));
      else if (m < 0.1) json = `${json} `;
      else if (m < 0.15) json = json.replace(':', ' : ');
      const raw = m < 0.2 ? json.replace('"', '""') : doubled(json);
      const mine = read(raw);
      if (mine === null) continue;
      accepted++;
      expect(mine).toEqual(parsed(raw));
    }
    expect(accepted).toBeGreaterThan(1000);
  });

  it('gives prepRow the same row as the whole cell does, for every inspection and DNS action', () => {
    const rand = mulberry32(9);
    const pick = <T>(a: T[]) => a[Math.floor(rand() * a.length)];
    const actions = [
      'SslConnectionInspected',
      'HttpConnectionInspected',
      'FtpConnectionInspected',
      'SmtpConnectionInspected',
      'SshConnectionInspected',
      'NtlmAuthenticationInspected',
      'IcmpConnectionInspected',
      'DnsConnectionInspected',
    ];
    for (const a of actions) expect(readsAdditionalKeys(a, true)).toBe(true);
    for (const a of ['ConnectionSuccess', 'ConnectionBlocked', 'sslconnectioninspected', 'InboundConnectionAccepted'])
      expect(readsAdditionalKeys(a, true)).toBe(false);
    expect(readsAdditionalKeys('SslConnectionInspected', false)).toBe(false);
    for (let k = 0; k < 2000; k++) {
      const o: Record<string, unknown> = {};
      if (rand() < 0.9) o.direction = pick(['Out', 'In', 'in', 'IN', 'Inbound', '']);
      if (rand() < 0.7) o.uid = pick(['C1', 'CECRZo2Vgr5IMv9dTR', '']);
      if (rand() < 0.6) o.server_name = pick(['keap.com', 'Files.Example.ORG.', '10.1.2.3', '', 'bad host']);
      if (rand() < 0.5) o.host = pick(['udemycdn.com:8080', 'a.b', '']);
      if (rand() < 0.5) o.orig_bytes = pick(['0', '1263', '-1', 'x', '']);
      if (rand() < 0.5) o.resp_bytes = pick(['25472', '']);
      if (rand() < 0.5) o.query = pick(['cdn.example.net', 'CDN.example.net.', '']);
      if (rand() < 0.5) o.answers = pick(['[]', '[1,2]', 'none']);
      if (rand() < 0.5) o.blocked = pick([true, 'true']);
      const raw = doubled(JSON.stringify(o));
      const keys = emptyAdditionalKeys();
      expect(readDoubledAdditional(raw, keys)).toBe(true);
      const row: DefenderRow = {
        ...emptyRow(),
        time: '2026-10-05T23:59:59.9997594Z',
        deviceId: 'dev-1',
        deviceName: 'pc-1.contoso.com',
        actionType: pick(actions),
        remoteIp: '20.1.1.1',
        remotePort: '443',
        localIp: '10.0.0.5',
        localPort: '50000',
        reportId: '7',
      };
      const whole = emptyPrep();
      const fromKeys = emptyPrep();
      prepRow({ ...row, additional: raw.replaceAll('""', '"') }, 2, 'UTC', whole);
      prepRow({ ...row, additional: keys }, 2, 'UTC', fromKeys);
      expect(fromKeys).toEqual(whole);
    }
  });
});
