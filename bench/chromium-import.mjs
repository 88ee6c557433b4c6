// The browser figure: rows/s from a file to committed IndexedDB in the engine
// worker of the real app, in Debian's Chromium. Serves the built app
// (dist/web, via dist/node/web.mjs), opens it with a fresh profile exactly as
// the browser tests do, picks the file through the Import telemetry dialog's
// own file chooser, and times the click on Import until the result table shows.
// The engine's own duration (from the committed import record) is read back too.
//
//   node bench/chromium-import.mjs <file> [--runs N] [--node-dir bench/out/node]
// Needs a build (`npm run build`, or the bench's own in bench/out). Prints one JSON line per run.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Starts `node <nodeDir>/web.mjs --port 0` (it serves `<nodeDir>/../web`) and
 * resolves with its URL and a stop function.
 */
export async function startServer(nodeDir = join(root, 'dist/node')) {
  const entry = join(nodeDir, 'web.mjs');
  if (!existsSync(entry) || !existsSync(join(nodeDir, '../web/index.html'))) {
    throw new Error('the app is not built: run "npm run build" (or npm run build:web && npm run build:node) first');
  }
  const child = spawn(process.execPath, [entry, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('web server did not start within 20 s')), 20_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/?)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`web server exited with ${code}`)));
  });
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** One import of `file` into a fresh profile. */
export async function importOnce(url, file) {
  const profile = mkdtempSync(join(tmpdir(), 'cloudscope-bench-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1360, height: 860 },
    args: ARGS,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.getByText('Engine ready').waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Import telemetry' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Import telemetry' });
    await dialog.waitFor();
    const chooser = page.waitForEvent('filechooser');
    await dialog.getByRole('button', { name: 'Choose files…' }).click();
    await (await chooser).setFiles(file);
    await dialog.getByRole('list', { name: 'Files to import' }).waitFor();
    const importButton = dialog.getByRole('button', { name: 'Import', exact: true });
    const result = dialog.getByRole('region', { name: 'Import result' });
    const t0 = performance.now();
    await importButton.click();
    const failed = dialog
      .getByRole('alert')
      .waitFor({ timeout: 15 * 60_000 })
      .then(async () => {
        throw new Error(`import failed: ${await dialog.getByRole('alert').textContent()}`);
      });
    // Once the result is there the context closes and this wait fails: that is not an error.
    failed.catch(() => {});
    await Promise.race([result.waitFor({ timeout: 15 * 60_000 }), failed]);
    const wallSeconds = (performance.now() - t0) / 1000;
    const cells = await result.locator('tbody tr').first().locator('td').allInnerTexts();
    const num = (s) => Number(String(s).replace(/[^0-9]/g, ''));
    // The engine's own account of the import: the committed record in the app's IndexedDB.
    const record = await page.evaluate(
      () =>
        new Promise((resolve, reject) => {
          const req = indexedDB.open('cloudscope');
          req.onerror = () => reject(req.error);
          req.onsuccess = () => {
            const db = req.result;
            const get = db.transaction('imports').objectStore('imports').getAll();
            get.onsuccess = () => {
              const imp = get.result.find((r) => r.status === 'committed');
              db.close();
              resolve(imp ? { durationMs: imp.durationMs, facts: imp.facts, transactions: imp.transactions } : null);
            };
            get.onerror = () => reject(get.error);
          };
        }),
    );
    const rows = num(cells[2]);
    return {
      file,
      bytes: statSync(file).size,
      format: cells[1],
      rows,
      accepted: num(cells[3]),
      skipped: num(cells[4]),
      rejected: num(cells[5]),
      facts: record?.facts ?? null,
      wallSeconds,
      rowsPerSec: rows / wallSeconds,
      engineSeconds: record ? record.durationMs / 1000 : null,
      errors,
    };
  } finally {
    await context.close().catch(() => {});
    await new Promise((r) => setTimeout(r, 1000));
    rmSync(profile, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const file = args[0];
  const r = args.indexOf('--runs');
  const runs = r >= 0 ? Number(args[r + 1]) : 1;
  const d = args.indexOf('--node-dir');
  if (!file) {
    console.error('usage: node bench/chromium-import.mjs <file> [--runs N]');
    process.exit(64);
  }
  const server = await startServer(d >= 0 ? join(process.cwd(), args[d + 1]) : undefined);
  try {
    for (let i = 0; i < runs; i++) console.log(JSON.stringify(await importOnce(server.url, file)));
  } finally {
    await server.stop();
  }
}
