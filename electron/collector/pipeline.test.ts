// Spooled batches go through the same import pipeline as files: same detection, parsers and SHA-256 idempotency.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImport } from '../../shared/engine/import';
import { registerBuiltinFormats } from '../../shared/formats/index';
import { openDb } from '../../shared/store/db';
import { Collector } from './collector';
import type { BatchMeta } from './spool';
import { bearer, call } from './test-client';

const dir = mkdtempSync(join(tmpdir(), 'cloudscope-pipeline-'));
let c: Collector;
let port: number;
beforeAll(async () => {
  registerBuiltinFormats();
  c = await Collector.start({ dataDir: dir, syslog: { port: 0, flushMs: 20 } });
  port = (await c.listenHttp(0)).port;
});
afterAll(async () => {
  await c.close();
  rmSync(dir, { recursive: true, force: true });
});

const nodeHasher = () => {
  const h = createHash('sha256');
  return {
    update: (b: Uint8Array) => void h.update(b),
    digest: () => h.digest('hex'),
  };
};

function row(i: number) {
  return {
    Timestamp: `2026-01-05T10:00:${String(i).padStart(2, '0')}.000Z`,
    DeviceId: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    DeviceName: 'ws-01.contoso.local',
    ActionType: 'ConnectionSuccess',
    RemoteIP: '162.125.1.18',
    RemotePort: 443,
    RemoteUrl: 'www.dropbox.com',
    LocalIP: '10.0.0.5',
    LocalPort: 50000 + i,
    Protocol: 'Tcp',
    InitiatingProcessFileName: 'chrome.exe',
    InitiatingProcessAccountName: 'alice',
    ReportId: 7000 + i,
  };
}

/** What the engine does with a pending batch: read its bytes, import them as a file named after the batch. */
async function importBatch(db: Awaited<ReturnType<typeof openDb>>, m: BatchMeta) {
  const bytes = readFileSync(c.spool.dataPath(m.id));
  return runImport(
    db,
    {
      files: [{ name: m.name, size: bytes.length, stream: new Blob([bytes]).stream() }],
      source: { name: 'Live', kind: 'continuous' },
    },
    { createHasher: nodeHasher },
  );
}

describe('collector batches into the import pipeline', () => {
  it('imports NDJSON rows, the streaming-API shape and syslog lines, and a batch twice adds nothing', async () => {
    const auth = bearer(c.token);
    const post = (type: string, body: string) =>
      call(port, '/api/collector/batches', { method: 'POST', headers: { 'Content-Type': type, ...auth }, body });
    const nd = await post('application/x-ndjson', `${[0, 1, 2].map((i) => JSON.stringify(row(i))).join('\n')}\n`);
    expect(nd.status).toBe(202);
    const records = [3, 4].map((i) => ({
      time: `2026-01-05T10:00:0${i}.500Z`,
      operationName: 'Publish',
      category: 'AdvancedHunting-DeviceNetworkEvents',
      properties: row(i),
    }));
    const eh = await post('application/json', JSON.stringify({ records }));
    expect(eh.status).toBe(202);
    const s = connect({ host: '127.0.0.1', port: c.status().syslog!.port });
    s.end(
      '1767607200.123    120 10.0.0.5 TCP_TUNNEL/200 5230 CONNECT www.dropbox.com:443 alice HIER_DIRECT/162.125.1.18 -\n' +
        '1767607201.456     80 10.0.0.6 TCP_MISS/200 1200 GET http://github.com/ bob HIER_DIRECT/140.82.121.3 text/html\n',
    );
    const end = Date.now() + 5000;
    while (c.spool.usage().batches < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    const pending = c.spool.list();
    expect(pending.map((m) => m.kind)).toEqual(['http-ndjson', 'http-json', 'syslog']);

    const db = await openDb('collector-pipeline', { indexedDB, IDBKeyRange });
    const results = [];
    for (const m of pending) {
      const r = await importBatch(db, m);
      results.push(r);
      expect(r.files[0].sha256).toBe(m.id); // provenance: the batch id is the file's SHA-256
      expect(r.files[0].rowsRejected).toBe(0);
      expect(r.files[0].rowsAccepted).toBe(m.events);
    }
    expect(results.map((r) => r.files[0].format)).toEqual(['defender-json', 'defender-eventhub', 'squid']);
    expect(results.map((r) => r.transactions)).toEqual([3, 2, 2]);
    // Delivered again (an ack lost in a crash): the engine's SHA-256 check makes it a no-op.
    const again = await importBatch(db, pending[0]);
    expect(again.transactions).toBe(0);
    db.close();
  });
});
