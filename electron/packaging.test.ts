/**
 * What can be checked about packaging without Electron's download: the
 * electron-builder config against electron-builder's own JSON schema (the one
 * it validates with before every build), its targets and inputs, the generated
 * sample telemetry it ships (fresh, small, and readable by our parsers) and the
 * third-party notices (covering every runtime package).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Ajv from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerBuiltinFormats } from '../shared/formats/index';
import { detectFormat } from '../shared/formats/registry';
import type { ParseContext } from '../shared/formats/types';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
// js-yaml and ajv come with electron-builder (app-builder-lib reads and validates its config with them).
const yaml = require('js-yaml') as { load(text: string): unknown };
const SCHEMA_PATH = require.resolve('app-builder-lib/scheme.json');

type Config = Record<string, unknown> & {
  linux: Record<string, unknown>;
  win: Record<string, unknown>;
  mac: Record<string, unknown>;
  extraResources: { from: string; to: string; filter: string[] }[];
  directories: { buildResources: string; output: string };
};

const config = yaml.load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as Config;

function validator() {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as object;
  // As app-builder-lib's schemaValidator, minus coerceTypes: a value of the wrong type must fail here.
  const ajv = new Ajv({ allErrors: true, strict: false });
  return ajv.compile(schema);
}

describe('electron-builder.yml', () => {
  it("is valid against electron-builder's schema", () => {
    const validate = validator();
    const ok = validate(config);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it("passes electron-builder's own configuration check (the one a build runs first)", async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
      validateConfiguration(c: unknown, log: { isEnabled: boolean; add(k: string, v: unknown): void }): Promise<void>;
    };
    const log = { isEnabled: false, add: () => {} };
    await expect(validateConfiguration(config, log)).resolves.toBeUndefined();
    await expect(
      validateConfiguration({ ...config, mac: { ...config.mac, hardenedRuntim: true } }, log),
    ).rejects.toThrow(/does not match the API schema/);
  });

  it('would be refused by the schema if it had a misspelt or mistyped option', () => {
    const validate = validator();
    expect(validate({ ...config, linux: { ...config.linux, tagret: ['AppImage'] } })).toBe(false);
    expect(validate({ ...config, asar: 'yes please' })).toBe(false);
    expect(validate({ ...config, nsis: { oneClick: 'no' } })).toBe(false);
  });

  it('builds AppImage and deb for Linux, NSIS for Windows and dmg for macOS', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.directories.output).toBe('release');
    expect(readFileSync(join(ROOT, '.gitignore'), 'utf8')).toMatch(/^release\/$/m);
  });

  it('flips the Electron fuses that would let others run the app as Node or attach a debugger', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
    });
    expect(config.asar).toBe(true);
  });

  it('has its icon (PNG, at least 512×512) and macOS entitlements in build/', () => {
    const iconPath = join(ROOT, String(config.linux.icon));
    const png = readFileSync(iconPath);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    expect(Math.min(width, height)).toBeGreaterThanOrEqual(512);
    for (const p of [config.win.icon, config.mac.icon]) expect(p).toBe(config.linux.icon);
    const entitlements = readFileSync(join(ROOT, String(config.mac.entitlements)), 'utf8');
    expect(entitlements).toContain('com.apple.security.cs.allow-jit');
    expect(entitlements).not.toContain('disable-library-validation');
  });

  it('ships the generated sample telemetry and the licence notices beside the app', () => {
    const [res] = config.extraResources;
    expect(res).toMatchObject({ from: 'resources', to: 'resources' });
    const shipped = (rel: string) =>
      res.filter.some((f) => (f.endsWith('/**') ? rel.startsWith(f.slice(0, -2)) : rel === f));
    const samples = readdirSync(join(ROOT, 'resources/sample'));
    expect(samples.length).toBeGreaterThanOrEqual(3);
    for (const f of samples) expect(shipped(`sample/${f}`), f).toBe(true);
    expect(shipped('THIRD-PARTY-NOTICES.txt')).toBe(true);
    expect(existsSync(join(ROOT, 'resources/THIRD-PARTY-NOTICES.txt'))).toBe(true);
    expect(shipped('README.md')).toBe(false);
  });
});

describe('sample telemetry (resources/sample)', () => {
  beforeAll(() => registerBuiltinFormats());

  it('is exactly what scripts/gen-sample.mjs generates, and small', async () => {
    const mod = (await import(pathToFileURL(join(ROOT, 'scripts/gen-sample.mjs')).href)) as {
      generateSamples(): Map<string, string>;
    };
    const generated = mod.generateSamples();
    expect([...generated.keys()].sort()).toEqual(readdirSync(join(ROOT, 'resources/sample')).sort());
    let total = 0;
    for (const [name, text] of generated) {
      expect(readFileSync(join(ROOT, 'resources/sample', name), 'utf8'), name).toBe(text);
      total += statSync(join(ROOT, 'resources/sample', name)).size;
    }
    expect(total).toBeLessThan(512 * 1024);
  });

  it.each([
    ['defender-device-network-events.csv', 'defender-csv'],
    ['squid-access.log', 'squid'],
    ['fortigate-traffic.log', 'fortigate'],
  ])('%s is read as %s with every row accepted', (name, formatId) => {
    const text = readFileSync(join(ROOT, 'resources/sample', name), 'utf8');
    const { format } = detectFormat(text.slice(0, 64 * 1024));
    expect(format?.id).toBe(formatId);
    const ctx: ParseContext = { timeZone: 'UTC', fileName: name, files: [], scratch: new Map() };
    const parser = format!.open(ctx);
    const counts = { events: 0, skipped: 0, rejected: [] as string[] };
    const hosts = new Set<string>();
    const sink = {
      event: (e: { host: string | null }) => {
        counts.events++;
        if (e.host) hosts.add(e.host);
      },
      skip: () => counts.skipped++,
      reject: (line: number, reason: string) => counts.rejected.push(`${line}: ${reason}`),
    };
    parser.push(text, sink);
    parser.end(sink);
    expect(counts.rejected).toEqual([]);
    expect(counts.skipped).toBe(0);
    expect(counts.events).toBe(text.trimEnd().split('\n').length - (formatId === 'defender-csv' ? 1 : 0));
    expect(hosts.size).toBeGreaterThan(25);
    // Synthetic: organisation names are .example, public addresses from the documentation ranges.
    expect(text).not.toMatch(/contoso\.com\b/);
    const publicIps = text.match(/\b(?!10\.)\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/g) ?? [];
    for (const ip of publicIps) expect(ip).toMatch(/^(192\.0\.2|198\.51\.100|203\.0\.113)\./);
  });
});

describe('third-party notices (resources/THIRD-PARTY-NOTICES.txt)', () => {
  it('are what scripts/gen-notices.mjs generates from the runtime packages, each with its licence', async () => {
    const mod = (await import(pathToFileURL(join(ROOT, 'scripts/gen-notices.mjs')).href)) as {
      runtimePackages(): { name: string; version: string; licence: string; texts: unknown[] }[];
      renderNotices(p: unknown[]): string;
    };
    const packages = mod.runtimePackages();
    const text = readFileSync(join(ROOT, 'resources/THIRD-PARTY-NOTICES.txt'), 'utf8');
    expect(text, 'run node scripts/gen-notices.mjs').toBe(mod.renderNotices(packages));
    const deps = Object.keys(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).dependencies);
    for (const d of deps) expect(packages.some((p) => p.name === d)).toBe(true);
    for (const p of packages) expect(p.licence, p.name).not.toBe('UNKNOWN');
    // Nearly every package publishes its licence text; the odd one out is named in the file.
    expect(packages.filter((p) => p.texts.length === 0).length).toBeLessThanOrEqual(3);
  });
});
