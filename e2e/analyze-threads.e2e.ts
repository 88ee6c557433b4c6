// The built `analyze` with scan worker threads (real worker_threads, as users run it) writes exactly
// the reports it writes reading on the main thread only, on a generated Defender export large enough
// to be cut into parts: full schema, DNS answers, inspections merged into their connections.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'cloudscope-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function analyze(file: string, out: string, threads: number): string {
  const r = spawnSync('node', ['dist/node/analyze.mjs', file, '--out', out, '--threads', String(threads)], {
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stderr;
}

describe('analyze with scan worker threads', () => {
  it('writes the same reports as one thread', { timeout: 120_000 }, () => {
    const file = join(dir, 'defender-full.csv');
    execFileSync('node', [
      'bench/gen/defender.mjs',
      '--rows',
      '16000',
      '--shape',
      'full',
      '--seed',
      '7',
      '--out',
      file,
    ]);
    expect(statSync(file).size).toBeGreaterThan(8 << 20);
    const one = join(dir, 'one');
    const two = join(dir, 'two');
    expect(analyze(file, one, 0)).not.toMatch(/worker threads/);
    const log = analyze(file, two, 2);
    const m = /worker threads read (\d+) of (\d+) parts/.exec(log);
    expect(m, log).not.toBeNull();
    expect(Number(m?.[1])).toBeGreaterThan(2);
    const files = readdirSync(one).sort();
    expect(files).toEqual(readdirSync(two).sort());
    expect(files).toContain('devices.csv');
    for (const f of files) {
      const a = readFileSync(join(one, f), 'utf8');
      const b = readFileSync(join(two, f), 'utf8');
      // imports.json holds the import's duration; everything else is equal byte for byte.
      if (f === 'imports.json') expect(b.replace(/"duration\w*": \d+/g, '')).toBe(a.replace(/"duration\w*": \d+/g, ''));
      else expect(b, f).toBe(a);
    }
    const imports = JSON.parse(readFileSync(join(two, 'imports.json'), 'utf8'));
    expect(imports[0].skipped['inspection merged into its connection']).toBeGreaterThan(100);
    expect(imports[0].skipped['DNS inspection (feeds host resolution)']).toBeGreaterThan(100);
  });
});
