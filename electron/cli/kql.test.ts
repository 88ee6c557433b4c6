// The kql command: arguments, the counting query first, slice files from a counts CSV.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { helpText, parseKqlArgs, runKql, UsageError } from './kql';

const NOW = Date.UTC(2026, 2, 20, 9);

describe('kql arguments', () => {
  it('reads the options and refuses contradictions', () => {
    expect(parseKqlArgs(['--days', '7', '--devices', 'srv-*,pc01', '--devices', '*.lab', '--sentinel'])).toEqual({
      days: 7,
      devices: ['srv-*', 'pc01', '*.lab'],
      sentinel: true,
    });
    expect(parseKqlArgs(['--help'])).toBe('help');
    expect(() => parseKqlArgs(['--days', '0'])).toThrow(UsageError);
    expect(() => parseKqlArgs(['--slices', '3', '--rows-per-slice', '5'])).toThrow(/not both/);
    expect(() => parseKqlArgs(['--slices', '3', '--counts', 'c.csv'])).toThrow(UsageError);
    expect(() => parseKqlArgs(['--end', 'soon'])).toThrow(/--end/);
    expect(() => parseKqlArgs(['--frobnicate'])).toThrow(/Unknown option/);
    expect(helpText()).toContain('--rows-per-slice');
  });
});

describe('kql output', () => {
  it('prints the counting query first, with the next step on stderr', async () => {
    const a = parseKqlArgs(['--days', '3']);
    if (a === 'help') throw new Error('unexpected');
    const r = await runKql(a, NOW);
    expect(r.stdout).toContain('counting query');
    expect(r.stdout).toContain('let WindowStart = datetime(2026-03-17T00:00:00Z);');
    expect(r.stdout).toContain('let WindowEnd = datetime(2026-03-20T00:00:00Z);');
    expect(r.stderr).toContain('npm run kql -- --counts');
    expect(r.files).toEqual([]);
  });

  it('writes one file per slice from the counts CSV', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kql-'));
    const counts = join(dir, 'counts.csv');
    writeFileSync(
      counts,
      'Day,Facts,Events\n2026-03-17,60000,900000\n2026-03-18,250000,3000000\n2026-03-19,10000,90000\n',
    );
    const a = parseKqlArgs(['--counts', counts, '--out', join(dir, 'q'), '--devices', 'ws-*']);
    if (a === 'help') throw new Error('unexpected');
    const r = await runKql(a, NOW);
    const names = readdirSync(join(dir, 'q')).sort();
    expect(names).toEqual([
      'slice-1-of-5.kql',
      'slice-2-of-5.kql',
      'slice-3-of-5.kql',
      'slice-4-of-5.kql',
      'slice-5-of-5.kql',
    ]);
    expect(r.stdout).toBe('');
    const second = readFileSync(join(dir, 'q', 'slice-2-of-5.kql'), 'utf8');
    expect(second).toContain('hash_xxhash64(DevKey, 3) == 0');
    expect(second).toContain('DeviceName startswith "ws-"');
    expect(readFileSync(join(dir, 'q', 'slice-5-of-5.kql'), 'utf8')).toContain(
      'let WindowStart = datetime(2026-03-19T00:00:00Z);',
    );
    expect(r.stderr).toContain('5 slice queries for 2026-03-17 to 2026-03-19');
    expect(r.stderr).toContain('approximate');
  });

  it('says why a counts file cannot be used', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kql-'));
    const counts = join(dir, 'counts.csv');
    writeFileSync(counts, 'Hour,Count\n1,2\n');
    await expect(runKql({ days: 30, devices: [], sentinel: false, counts }, NOW)).rejects.toThrow(/Day and Facts/);
    await expect(
      runKql({ days: 30, devices: [], sentinel: false, counts: join(dir, 'missing.csv') }, NOW),
    ).rejects.toThrow(UsageError);
  });
});
