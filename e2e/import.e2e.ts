// The import flow's harder paths: a preview, a CSV no format knows mapped by hand, rejected rows with
// line numbers and reasons, and the same file again adding nothing; re-saved hunts and a workbook read as analyze reads them.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { analyze, parseArgs } from '../electron/cli/analyze';
import { CsvStream } from '../shared/formats/csv-stream';
import { writeWorkbookOf } from '../shared/formats/testing/workbook';
import { actions, components } from './app-page';
import { openApp, type Session, screenshot } from './browser';

const baseUrl = inject('baseUrl');
const dir = mkdtempSync(join(tmpdir(), 'cloudscope-e2e-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let session: Session | null = null;
afterEach(async () => {
  await session?.close();
  session = null;
});

/** A fresh app, its engine ready; the session closes after the test. */
async function freshApp() {
  session = await openApp(baseUrl);
  const { page, errors } = session;
  await actions(page).waitForEngine();
  return { page, c: components(page), errors };
}

/** A generated full-schema Defender export, as the portal writes it (bench/gen/defender.mjs). */
function generatedHunt(file: string, rows: number, seed: number): void {
  execFileSync('node', [
    'bench/gen/defender.mjs',
    '--rows',
    String(rows),
    '--shape',
    'full',
    '--seed',
    String(seed),
    '--out',
    file,
  ]);
}

/** What `analyze` writes of one file: its import record and the summary. */
async function analyzed(file: string, out: string, extra: string[] = []) {
  const args = parseArgs([file, '--out', out, '--quiet', ...extra]);
  if (args === 'help') throw new Error('help');
  await analyze(args);
  return {
    imp: JSON.parse(readFileSync(join(out, 'imports.json'), 'utf8'))[0],
    summary: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')),
  };
}

/** The dashboard's Transactions number. */
function transactionsTile(page: Session['page']) {
  return page
    .locator('.kpi')
    .filter({ has: page.getByText('Transactions', { exact: true }) })
    .locator('dd');
}

const CUSTOM = join(dir, 'gateway-export.csv');
writeFileSync(
  CUSTOM,
  [
    'when,src,dest_host,sent,received,who',
    '2024-03-01T10:00:00Z,10.0.0.5,www.dropbox.com,1200,5000,alice',
    '2024-03-01T10:05:00Z,10.0.0.6,github.com,300,9000,bob',
    'not-a-time,10.0.0.7,example.org,1,1,carol',
    '2024-03-01T11:00:00Z,10.0.0.5,www.dropbox.com,800,100,alice',
  ].join('\n'),
);

describe('import flow', () => {
  it('maps an unknown CSV by hand, reports rejected rows, and adds nothing on re-import', async () => {
    const { page, c, errors } = await freshApp();
    await actions(page).openImport([CUSTOM]);
    const preview = c.importDialog.getByRole('region', { name: 'Preview' });
    await preview.getByText('No known format matched').waitFor();
    await expect(c.importDialog.getByText('Unknown format').isVisible()).resolves.toBe(true);
    await preview.getByRole('combobox', { name: 'Time', exact: true }).selectOption('when');
    await preview.getByRole('combobox', { name: 'Host', exact: true }).selectOption('dest_host');
    await preview.getByRole('button', { name: 'Use this mapping' }).click();
    await preview.getByRole('cell', { name: 'www.dropbox.com' }).first().waitFor();
    await screenshot(page, 'import-custom-mapping');
    await c.importDialog.getByRole('button', { name: 'Import', exact: true }).click();
    const result = c.importDialog.getByRole('region', { name: 'Import result' });
    await result.waitFor();
    const row = result.getByRole('row', { name: /gateway-export\.csv/ });
    expect(await row.getByRole('cell').allTextContents()).toEqual([
      'gateway-export.csv',
      'custom-csv',
      '4',
      '3',
      '0',
      '1',
    ]);
    await result.getByText('1 rejected rows').click();
    await expect(result.getByText(/^Line 4: /).isVisible()).resolves.toBe(true);
    await screenshot(page, 'import-rejections');

    // The same file again: recognised by its SHA-256, nothing added.
    await actions(page).chooseFiles([CUSTOM]);
    await c.importDialog.getByRole('button', { name: 'Remove gateway-export.csv' }).first().click();
    await c.importDialog.getByRole('button', { name: 'Import', exact: true }).click();
    await result.getByText('already imported — nothing added').waitFor();
    await c.importDialog.getByRole('button', { name: 'Done' }).click();
    await c.importDialog.waitFor({ state: 'hidden' });
    await actions(page).goTo('Dashboard');
    const tx = transactionsTile(page);
    await tx.waitFor();
    expect(await tx.textContent()).toBe('3');
    expect(errors).toEqual([]);
  });
});

describe('a large Defender export', () => {
  it('is read with scan workers and counts what analyze counts, rejected line included', async () => {
    // Large enough to be cut into parts (PARALLEL_MIN_BYTES); a malformed row two thirds in.
    const file = join(dir, 'hunt-export.csv');
    generatedHunt(file, 14_000, 5);
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n');
    const bad = Math.floor(lines.length * 0.66);
    // The portal writes CRLF: the row keeps the file's line ends (a bare LF would be inside a field).
    lines.splice(bad, 0, `2026-10-01T00:00:00Z,only,three${text.includes('\r\n') ? '\r' : ''}`);
    writeFileSync(file, lines.join('\n'));
    const { imp, summary } = await analyzed(file, join(dir, 'analyze-large'), ['--threads', '0']);
    expect(imp.rejections).toEqual([{ line: bad + 1, reason: '3 fields, the header has 40' }]);

    session = await openApp(baseUrl);
    const { page } = session;
    const workers: string[] = [];
    page.on('worker', (w) => workers.push(w.url()));
    const c = components(page);
    await actions(page).waitForEngine();
    await actions(page).openImport([file]);
    await c.importDialog.getByRole('button', { name: 'Import', exact: true }).click();
    const result = c.importDialog.getByRole('region', { name: 'Import result' });
    await result.waitFor({ timeout: 60_000 });
    const row = result.getByRole('row', { name: /hunt-export\.csv/ });
    const n = (x: number) => x.toLocaleString('en-US');
    expect(await row.getByRole('cell').allTextContents()).toEqual([
      'hunt-export.csv',
      'defender-csv',
      n(imp.rowsRead),
      n(imp.rowsAccepted),
      n(imp.rowsSkipped),
      n(imp.rowsRejected),
    ]);
    expect(
      workers.some((u) => /scan\.worker/.test(u)),
      workers.join(', '),
    ).toBe(true);
    await result.getByText('1 rejected rows').click();
    await expect(result.getByText(`Line ${bad + 1}: 3 fields, the header has 40`).isVisible()).resolves.toBe(true);
    await c.importDialog.getByRole('button', { name: 'Done' }).click();
    const tx = transactionsTile(page);
    await tx.waitFor();
    await expect.poll(() => tx.textContent()).toBe(n(summary.transactions));
    expect(session.errors).toEqual([]);
  });
});

describe('a hunt saved by PowerShell in a day-first locale', () => {
  it("is previewed and imported as the portal's export, its dates read day first, counting what analyze counts", async () => {
    // The portal's export, then what `Export-Csv -UseCulture` writes of it in en-GB: a #TYPE line, `;` between
    // fields, every field quoted, dates as dd/MM/yyyy HH:mm:ss (two weeks later, so that days over 12 show).
    const portal = join(dir, 'hunt-portal.csv');
    generatedHunt(portal, 3000, 11);
    const rows: string[][] = [];
    const stream = new CsvStream(',');
    const take = (r: { fields: string[] }) => rows.push(r.fields);
    stream.push(readFileSync(portal, 'utf8').replace(/^\ufeff/, ''), take);
    stream.end(take);
    const ti = rows[0].indexOf('Timestamp');
    const DAY = 86_400_000;
    const enGb = (iso: string) => {
      const t = new Date(Date.parse(iso) + 14 * DAY).toISOString();
      return `${t.slice(8, 10)}/${t.slice(5, 7)}/${t.slice(0, 4)} ${t.slice(11, 19)}`;
    };
    const quote = (f: string) => `"${f.replaceAll('"', '""')}"`;
    const file = join(dir, 'hunt-en-gb.csv');
    writeFileSync(
      file,
      `#TYPE System.Management.Automation.PSCustomObject\r\n${rows
        .map((r, i) => r.map((f, k) => quote(i > 0 && k === ti ? enGb(f) : f)).join(';'))
        .join('\r\n')}\r\n`,
    );
    const before = await analyzed(portal, join(dir, 'analyze-portal'));
    const { imp, summary } = await analyzed(file, join(dir, 'analyze-en-gb'));
    expect(imp.format).toBe('defender-csv');
    expect(imp.rowsRead).toBe(before.imp.rowsRead);
    expect(imp.rowsRejected).toBe(0);
    const later = (iso: string) => new Date(Date.parse(iso) + 14 * DAY).toISOString().replace('.000Z', 'Z');
    expect([summary.firstEvent, summary.lastEvent]).toEqual([
      later(before.summary.firstEvent),
      later(before.summary.lastEvent),
    ]);

    const { page, c, errors } = await freshApp();
    await actions(page).openImport([file]);
    const preview = c.importDialog.getByRole('region', { name: 'Preview' });
    await preview.getByRole('heading', { name: 'Preview of hunt-en-gb.csv' }).waitFor();
    await expect(
      c.importDialog.getByText('Defender for Endpoint — Advanced Hunting CSV').first().isVisible(),
    ).resolves.toBe(true);
    // The first rows as the export has them, newest first: the last event's day.
    const first = (await preview.getByRole('row').nth(1).getByRole('cell').first().textContent()) ?? '';
    expect(first.slice(0, 10)).toBe(summary.lastEvent.slice(0, 10));
    // Its times carry no zone: read in the one beside the hint (UTC, as analyze read them).
    await expect(
      c.importDialog.getByText("This file's times carry no time zone: they are read in this zone.").isVisible(),
    ).resolves.toBe(true);
    // Its dates like 05/10/2026 read day first, as its first rows show; the analyst could say otherwise.
    const order = c.importDialog.getByRole('combobox', { name: 'Dates like 05/10/2026' });
    await expect(order.inputValue()).resolves.toBe('auto');
    await expect(
      c.importDialog.getByText('Read day first: the first rows show a day over 12.').isVisible(),
    ).resolves.toBe(true);
    await screenshot(page, 'import-powershell-en-gb');
    await c.importDialog.getByRole('button', { name: 'Import', exact: true }).click();
    const result = c.importDialog.getByRole('region', { name: 'Import result' });
    await result.waitFor({ timeout: 60_000 });
    const n = (x: number) => x.toLocaleString('en-US');
    expect(
      await result
        .getByRole('row', { name: /hunt-en-gb\.csv/ })
        .getByRole('cell')
        .allTextContents(),
    ).toEqual(['hunt-en-gb.csv', 'defender-csv', n(imp.rowsRead), n(imp.rowsAccepted), n(imp.rowsSkipped), '0']);
    await c.importDialog.getByRole('button', { name: 'Done' }).click();
    const tx = transactionsTile(page);
    await tx.waitFor();
    await expect.poll(() => tx.textContent()).toBe(n(summary.transactions));
    // The provenance says how its times were read.
    await actions(page).goTo('Data sources');
    await page.getByText('times without a zone read as UTC').waitFor();
    await screenshot(page, 'data-sources-zone-less');
    expect(errors).toEqual([]);
  });

  it('imports an Advanced Hunting workbook in the browser as analyze reads it', async () => {
    const file = join(dir, 'hunt.xlsx');
    writeWorkbookOf('shared/formats/fixtures/defender/plaso/advanced_hunting_test.csv', file);
    const { imp, summary } = await analyzed(file, join(dir, 'analyze-xlsx'));
    expect([imp.format, imp.rowsRejected]).toEqual(['defender-xlsx', 0]);
    expect(summary.transactions).toBeGreaterThan(0);

    const { page, c, errors } = await freshApp();
    await actions(page).openImport([file]);
    await c.importDialog.getByRole('button', { name: 'Import', exact: true }).click();
    const result = c.importDialog.getByRole('region', { name: 'Import result' });
    await result.waitFor({ timeout: 60_000 });
    expect(
      await result
        .getByRole('row', { name: /hunt\.xlsx/ })
        .getByRole('cell')
        .allTextContents(),
    ).toEqual([
      'hunt.xlsx',
      'defender-xlsx',
      String(imp.rowsRead),
      String(imp.rowsAccepted),
      String(imp.rowsSkipped),
      '0',
    ]);
    await c.importDialog.getByRole('button', { name: 'Done' }).click();
    const tx = transactionsTile(page);
    await tx.waitFor();
    await expect.poll(() => tx.textContent()).toBe(String(summary.transactions));
    expect(errors).toEqual([]);
  });
});

describe('cancel', () => {
  it('shows the progress in the dialog and cancels from it, leaving the store as it was', async () => {
    // Large enough to run for a second or two: the dialog is modal, so its own Cancel is the one an analyst can reach.
    const file = join(dir, 'big-hunt.csv');
    execFileSync('node', ['bench/gen/defender.mjs', '--rows', '400000', '--seed', '7', '--out', file]);
    const { page, c, errors } = await freshApp();
    await actions(page).openImport([file]);
    await c.importDialog.getByRole('button', { name: 'Import', exact: true }).click();
    const progress = c.importDialog.getByRole('progressbar', { name: 'Import progress' });
    await page.waitForFunction(
      () => Number(document.querySelector('dialog [role="progressbar"]')?.getAttribute('aria-valuenow') ?? 0) > 0,
    );
    expect(Number(await progress.getAttribute('aria-valuenow'))).toBeGreaterThan(0);
    await expect(c.importDialog.getByText(/rows\/s/).isVisible()).resolves.toBe(true);
    await screenshot(page, 'import-progress');
    await c.importDialog.getByRole('button', { name: 'Cancel import' }).click();
    await expect(c.importDialog.getByRole('alert').textContent()).resolves.toContain(
      'Import cancelled — the store is exactly as before.',
    );
    await expect(progress.count()).resolves.toBe(0);
    await expect(c.importDialog.getByRole('button', { name: 'Import', exact: true }).isEnabled()).resolves.toBe(true);
    const committed = await page.evaluate(
      () =>
        new Promise<number>((resolve, reject) => {
          const req = indexedDB.open('cloudscope');
          req.onerror = () => reject(req.error);
          req.onsuccess = () => {
            const all = req.result.transaction('imports').objectStore('imports').getAll();
            all.onsuccess = () => {
              req.result.close();
              resolve(all.result.filter((r: { status: string }) => r.status === 'committed').length);
            };
          };
        }),
    );
    expect(committed).toBe(0);
    expect(errors).toEqual([]);
  });
});

describe('adding to a data source', () => {
  it('adds files to an existing data source chosen in the dialog, rather than a new one', async () => {
    const { page, c, errors } = await freshApp();
    await actions(page).openImport([CUSTOM]);
    const preview = c.importDialog.getByRole('region', { name: 'Preview' });
    await preview.getByRole('combobox', { name: 'Time', exact: true }).selectOption('when');
    await preview.getByRole('combobox', { name: 'Host', exact: true }).selectOption('dest_host');
    await preview.getByRole('button', { name: 'Use this mapping' }).click();
    await preview.getByRole('cell', { name: 'www.dropbox.com' }).first().waitFor();
    await c.importDialog.getByLabel('Data source name').fill('Branch gateway');
    await c.importDialog.getByRole('button', { name: 'Import', exact: true }).click();
    const result = c.importDialog.getByRole('region', { name: 'Import result' });
    await result.waitFor();
    await c.importDialog.getByRole('button', { name: 'Done' }).click();
    await c.importDialog.waitFor({ state: 'hidden' });

    // A second export of the same gateway, later in the day, added to that source.
    const later = join(dir, 'gateway-export-2.csv');
    writeFileSync(
      later,
      ['when,src,dest_host,sent,received,who', '2024-03-01T15:00:00Z,10.0.0.8,www.box.com,700,100,dave'].join('\n'),
    );
    await actions(page).openImport([later]);
    const addTo = c.importDialog.getByRole('combobox', { name: 'Add to' });
    await addTo.getByRole('option', { name: 'Branch gateway (continuous)' }).waitFor({ state: 'attached' });
    await addTo.selectOption({ label: 'Branch gateway (continuous)' });
    await expect(c.importDialog.getByLabel('Data source name').count()).resolves.toBe(0);
    await c.importDialog.getByText('The files join this data source').waitFor();
    await preview.getByRole('combobox', { name: 'Time', exact: true }).selectOption('when');
    await preview.getByRole('combobox', { name: 'Host', exact: true }).selectOption('dest_host');
    await preview.getByRole('button', { name: 'Use this mapping' }).click();
    await preview.getByRole('cell', { name: 'www.box.com' }).first().waitFor();
    await screenshot(page, 'import-add-to-source');
    await c.importDialog.getByRole('button', { name: 'Import', exact: true }).click();
    await result.getByRole('row', { name: /gateway-export-2\.csv/ }).waitFor();
    await c.importDialog.getByRole('button', { name: 'Done' }).click();

    await actions(page).goTo('Data sources');
    const card = page.getByRole('region', { name: 'Data source Branch gateway' });
    await card.getByRole('cell', { name: 'gateway-export-2.csv' }).waitFor();
    await expect(card.getByRole('cell', { name: 'gateway-export.csv', exact: true }).count()).resolves.toBe(1);
    await expect(page.getByRole('region', { name: /^Data source / }).count()).resolves.toBe(1);
    await expect(page.getByRole('button', { name: 'Rename Branch gateway' }).count()).resolves.toBe(1);
    expect(errors).toEqual([]);
  });
});

describe('several files', () => {
  it('previews the file the analyst picks among those chosen', async () => {
    const { page, c, errors } = await freshApp();
    const squid = join(process.cwd(), 'shared/formats/fixtures/squid/test-access-extensive.log');
    await actions(page).openImport([CUSTOM, squid]);
    const preview = c.importDialog.getByRole('region', { name: 'Preview' });
    await preview.getByRole('heading', { name: 'Preview of gateway-export.csv' }).waitFor();
    const pick = c.importDialog.getByRole('button', { name: 'Preview test-access-extensive.log' });
    await expect(pick.getAttribute('aria-pressed')).resolves.toBe('false');
    await pick.click();
    await preview.getByRole('heading', { name: 'Preview of test-access-extensive.log' }).waitFor();
    await expect(pick.getAttribute('aria-pressed')).resolves.toBe('true');
    await expect(preview.getByRole('cell').count()).resolves.toBeGreaterThan(0);
    await screenshot(page, 'import-two-files');
    expect(errors).toEqual([]);
  });
});

describe('sample data', () => {
  it('opens the generated sample telemetry from the empty dashboard, one data source per file', async () => {
    const { page, c, errors } = await freshApp();
    await page.getByRole('button', { name: 'Open sample data' }).click();
    const result = c.importDialog.getByRole('region', { name: 'Import result' });
    await result.getByRole('cell', { name: 'fortigate-traffic.log' }).waitFor({ timeout: 60_000 });
    await c.importDialog.getByRole('button', { name: 'Done' }).click();
    await actions(page).goTo('Data sources');
    for (const name of ['Win10 Endpoint Users', 'Sample — Contoso proxy', 'Sample — Contoso firewall']) {
      await page.getByRole('heading', { level: 2, name }).waitFor();
    }
    await actions(page).goTo('Dashboard');
    await page.getByRole('combobox', { name: 'Report' }).selectOption({ label: 'Global' });
    await page.locator('.kpi').first().waitFor();
    await page.waitForTimeout(500);
    await screenshot(page, 'dashboard-sample-global');
    expect(errors).toEqual([]);
  });
});

describe('large fleets', () => {
  it('writes the KQL counting query and, from its result, one query per slice', async () => {
    session = await openApp(baseUrl);
    const { page } = session;
    await actions(page).waitForEngine();
    await actions(page).goTo('Data sources');
    const card = page.getByRole('region', { name: 'Large fleets: pre-aggregate in Kusto' });
    const counting = card.getByLabel('Counting query');
    await expect(counting.textContent()).resolves.toContain('DeviceNetworkEvents');
    await card.getByRole('combobox', { name: 'Where' }).selectOption('sentinel');
    await expect(counting.textContent()).resolves.toContain('TimeGenerated');
    const counts = join(dir, 'counts.csv');
    writeFileSync(counts, 'Day,Facts,Events\n2026-11-01T00:00:00Z,400000,2400000\n2026-11-02T00:00:00Z,20000,100000\n');
    const chooser = page.waitForEvent('filechooser');
    await card.getByRole('button', { name: 'Load the counting result (CSV)…' }).click();
    await (await chooser).setFiles([counts]);
    await card.getByText(/2 days loaded · \d+ slice queries/).waitFor();
    expect(await card.locator('details.slice').count()).toBeGreaterThan(1);
    await screenshot(page, 'kql');
    expect(session.errors).toEqual([]);
  });
});
