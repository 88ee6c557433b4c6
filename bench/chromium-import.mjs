// The browser figure: rows/s from a file to committed IndexedDB in the engine
// worker of the real app, in Debian's Chromium. Serves the built app
// (dist/web, via dist/node/web.mjs), opens it with a fresh profile exactly as
// the browser tests do, picks the file through the Import telemetry dialog's
// own file chooser, and times the click on Import until the result table shows (inside the page; the same
// span seen from Node, with Playwright's round trips, is reported too).
// The engine's own duration (from the committed import record) is read back too, and the file's SHA-256
// in the record is checked against Node's.
//
//   node bench/chromium-import.mjs <file> [--runs N] [--node-dir bench/out/node] [--profile out.cpuprofile]
//                                  [--after <file0>] [--threads]
// Needs a build (`npm run build`, or the bench's own in bench/out). Prints one JSON line per run.
// --profile records a CPU profile of the engine worker during the import (open it in Chrome DevTools'
// Performance panel) and prints the functions with the most self time. --after imports <file0> first into
// the same profile (untimed), to see what a store that already holds data costs the next import.
// --threads (Linux) adds the CPU seconds every Chromium thread used from the click to the result, by process
// type and thread name (workers and pool threads one by one), read from /proc: where the two cores went.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The switches `e2e/browser.ts` launches Chromium with. */
export const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Experiments only (figures in RESULTS are taken without): e.g. CLOUDSCOPE_BENCH_CHROMIUM_ARGS='--js-flags=--max-semi-space-size=64'.
  ...(process.env.CLOUDSCOPE_BENCH_CHROMIUM_ARGS ?? '').split(' ').filter(Boolean),
];

/**
 * Starts `node <nodeDir>/web.mjs --port 0 [...extra]` (it serves `<nodeDir>/../web`) and
 * resolves with its URL and a stop function.
 */
export async function startServer(nodeDir = join(root, 'dist/node'), extra = []) {
  const entry = join(nodeDir, 'web.mjs');
  if (!existsSync(entry) || !existsSync(join(nodeDir, '../web/index.html'))) {
    throw new Error('the app is not built: run "npm run build" (or npm run build:web && npm run build:node) first');
  }
  const child = spawn(process.execPath, [entry, '--port', '0', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
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

async function sha256Of(file) {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk);
  return h.digest('hex');
}

/**
 * Attaches to the page's dedicated workers through the page's CDP session (non-flat sessions, since
 * playwright-core's CDPSession cannot address child sessions) and returns a profiler for the engine worker.
 */
export async function workerProfiler(context, page, { fromStart = false } = {}) {
  const cdp = await context.newCDPSession(page);
  const workers = new Map();
  const waiting = new Map();
  let nextId = 1;
  /** With `fromStart`: the engine worker the page starts next, profiled from its first line (see `arm`). */
  let armed = false;
  let session = null;
  const isEngine = (t) => t.type === 'worker' && /engine/.test(`${t.title} ${t.url}`);
  cdp.on('Target.attachedToTarget', (e) => {
    workers.set(e.sessionId, e.targetInfo);
    if (!e.waitingForDebugger) return;
    // Every new worker waits for us while armed: the engine worker starts with the profiler on, the others at once.
    const engine = armed && isEngine(e.targetInfo);
    if (engine) armed = false;
    (async () => {
      if (engine) {
        session = e.sessionId;
        await send(e.sessionId, 'Profiler.enable');
        await send(e.sessionId, 'Profiler.setSamplingInterval', { interval: 500 });
        await send(e.sessionId, 'Profiler.start');
      }
      await send(e.sessionId, 'Runtime.runIfWaitingForDebugger');
    })().catch(() => {});
  });
  cdp.on('Target.receivedMessageFromTarget', (e) => {
    const m = JSON.parse(e.message);
    const done = waiting.get(m.id);
    if (!done) return;
    waiting.delete(m.id);
    done(m);
  });
  const send = (sessionId, method, params = {}) =>
    new Promise((ok, fail) => {
      const id = nextId++;
      waiting.set(id, (m) => (m.error ? fail(new Error(`${method}: ${m.error.message}`)) : ok(m.result)));
      cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) });
    });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: fromStart, flatten: false });
  return {
    /** (`fromStart`) Profiles the next engine worker the page starts (a reload's) from its start; `stop` ends it. */
    arm() {
      armed = true;
    },
    async start() {
      session = [...workers].find(([, t]) => isEngine(t))?.[0];
      if (!session) throw new Error('no engine worker to profile');
      await send(session, 'Profiler.enable');
      await send(session, 'Profiler.setSamplingInterval', { interval: 500 });
      await send(session, 'Profiler.start');
    },
    async stop() {
      return (await send(session, 'Profiler.stop')).profile;
    },
  };
}

/** CPU seconds (user + system) of every thread of every Chromium process, by `pid/tid`, with its process type and name. */
export function chromiumThreads() {
  const out = new Map();
  const tick = 100; // USER_HZ on Linux
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let exe;
    let cmd;
    try {
      exe = readlinkSync(`/proc/${pid}/exe`);
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!/chrom(e|ium)/.test(exe)) continue;
    const type = /--type=([a-z-]+)/.exec(cmd)?.[1] ?? 'browser';
    let tids;
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.set(`${pid}/${tid}`, { type, name, cpu: (Number(f[11]) + Number(f[12])) / tick });
      } catch {
        // the thread ended
      }
    }
  }
  return out;
}

/** CPU seconds each thread used between two `chromiumThreads` readings, largest first (workers and pools per thread). */
function threadDelta(before, after) {
  const by = new Map();
  for (const [k, t] of after) {
    const used = t.cpu - (before.get(k)?.cpu ?? 0);
    if (used <= 0) continue;
    const perThread = /^(DedicatedWorker|ThreadPool)/.test(t.name);
    const key = `${t.type}: ${t.name}${perThread ? ` #${k.split('/')[1]}` : ''}`;
    by.set(key, (by.get(key) ?? 0) + used);
  }
  return [...by]
    .sort((a, b) => b[1] - a[1])
    .map(([thread, seconds]) => ({ thread, seconds: Math.round(seconds * 100) / 100 }));
}

/** Self time by function (name, script, line) of a CPU profile, largest first. */
export function selfTimes(profile, top = 30) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i + 1] ?? 0;
    const f = byId.get(id).callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + us);
    total += us;
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, us]) => ({ fn, seconds: us / 1e6, share: us / total }));
}

/**
 * Imports `file` through the Import telemetry dialog; resolves with the times, the result row's cells and the
 * dialog. `pageSeconds` is taken inside the page (from the Import button's click event to the result region
 * in the DOM, watched by a MutationObserver): what the analyst waits. `wallSeconds` is the same span seen from
 * this process, with Playwright's round trips (its click's checks, the wait's polling): 0.1-0.6 s more (s8).
 */
export async function importThroughDialog(page, file, timeout = 15 * 60_000, threads = false) {
  await page.getByRole('button', { name: 'Import telemetry' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Import telemetry' });
  await dialog.waitFor();
  const chooser = page.waitForEvent('filechooser');
  await dialog.getByRole('button', { name: 'Choose files…' }).click();
  await (await chooser).setFiles(file);
  await dialog.getByRole('list', { name: 'Files to import' }).waitFor();
  const importButton = dialog.getByRole('button', { name: 'Import', exact: true });
  const result = dialog.getByRole('region', { name: 'Import result' });
  await page.evaluate(() => {
    const t = { click: null, result: null };
    window.__importTimes = t;
    document.addEventListener(
      'click',
      (e) => {
        const b = e.target instanceof Element ? e.target.closest('button') : null;
        if (t.click === null && b?.textContent?.trim() === 'Import') t.click = performance.now();
      },
      true,
    );
    const mo = new MutationObserver(() => {
      if (t.click !== null && document.querySelector('section[aria-label="Import result"]')) {
        t.result = performance.now();
        mo.disconnect();
      }
    });
    mo.observe(document.body, { childList: true, subtree: true });
  });
  // Threads that end during the import (the scan workers do) keep the last reading taken: one every 100 ms.
  const cpuBefore = threads ? chromiumThreads() : null;
  const cpuSeen = new Map();
  const note = () => {
    for (const [k, t] of chromiumThreads()) cpuSeen.set(k, t);
  };
  const poll = threads ? setInterval(note, 100) : null;
  const t0 = performance.now();
  await importButton.click();
  const failed = dialog
    .getByRole('alert')
    .waitFor({ timeout })
    .then(async () => {
      throw new Error(`import failed: ${await dialog.getByRole('alert').textContent()}`);
    });
  // Once the result is there the context closes and this wait fails: that is not an error.
  failed.catch(() => {});
  await Promise.race([result.waitFor({ timeout }), failed]);
  const wallSeconds = (performance.now() - t0) / 1000;
  if (poll) clearInterval(poll);
  if (cpuBefore) note();
  const cpu = cpuBefore ? threadDelta(cpuBefore, cpuSeen) : null;
  const t = await page.evaluate(() => window.__importTimes);
  const pageSeconds = t.click !== null && t.result !== null ? (t.result - t.click) / 1000 : wallSeconds;
  const cells = await result.locator('tbody tr').first().locator('td').allInnerTexts();
  return { wallSeconds, pageSeconds, cells, dialog, cpu };
}

/**
 * One import of `file` into a fresh profile. With `after`, that file is imported first (untimed, the dialog
 * closed as an analyst would) and `file` right after it; with `profileOut`, a CPU profile of the engine worker
 * during the timed import goes there.
 */
export async function importOnce(url, file, { profileOut = null, after = null, threads = false } = {}) {
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
    const profiler = profileOut ? await workerProfiler(context, page) : null;
    await page.goto(url);
    await page.getByText('Engine ready').waitFor({ timeout: 60_000 });
    let before = null;
    if (after) {
      const first = await importThroughDialog(page, after);
      before = { file: after, wallSeconds: first.wallSeconds };
      await first.dialog.getByRole('button', { name: 'Done' }).click();
      await first.dialog.waitFor({ state: 'hidden' });
    }
    await profiler?.start();
    const { wallSeconds, pageSeconds, cells, cpu } = await importThroughDialog(page, file, undefined, threads);
    let hotSpots;
    if (profiler) {
      const profile = await profiler.stop();
      writeFileSync(profileOut, JSON.stringify(profile));
      hotSpots = selfTimes(profile);
    }
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
              const imp = get.result
                .filter((r) => r.status === 'committed')
                .sort((a, b) => b.startedAt - a.startedAt)[0];
              db.close();
              resolve(
                imp
                  ? {
                      durationMs: imp.durationMs,
                      facts: imp.facts,
                      transactions: imp.transactions,
                      sha256: imp.files[0]?.sha256,
                    }
                  : null,
              );
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
      pageSeconds,
      rowsPerSec: rows / pageSeconds,
      wallSeconds,
      wallRowsPerSec: rows / wallSeconds,
      engineSeconds: record ? record.durationMs / 1000 : null,
      sha256Matches: record ? record.sha256 === (await sha256Of(file)) : null,
      ...(before ? { after: before } : {}),
      errors,
      ...(hotSpots ? { hotSpots } : {}),
      ...(cpu ? { threads: cpu } : {}),
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
  const p = args.indexOf('--profile');
  const a = args.indexOf('--after');
  if (!file) {
    console.error(
      'usage: node bench/chromium-import.mjs <file> [--runs N] [--node-dir DIR] [--profile OUT] [--after FILE0] [--threads]',
    );
    process.exit(64);
  }
  const server = await startServer(d >= 0 ? resolve(args[d + 1]) : undefined);
  try {
    for (let i = 0; i < runs; i++) {
      const out =
        p >= 0
          ? resolve(args[p + 1]).replace(/(\.cpuprofile)?$/, runs > 1 ? `-${i + 1}.cpuprofile` : '.cpuprofile')
          : null;
      const after = a >= 0 ? resolve(args[a + 1]) : null;
      console.log(
        JSON.stringify(
          await importOnce(server.url, file, { profileOut: out, after, threads: args.includes('--threads') }),
        ),
      );
    }
  } finally {
    await server.stop();
  }
}
