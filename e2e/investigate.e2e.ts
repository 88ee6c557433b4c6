// The analyst's flow in Chromium: import a real Defender export, read the dashboard, open the device page
// and check its numbers against what `analyze` writes for the same file, tag an app, re-weight scores.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Papa from 'papaparse';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { analyze, parseArgs } from '../electron/cli/analyze';
import { actions, components } from './app-page';
import { openApp, type Session, screenshot } from './browser';

const baseUrl = inject('baseUrl');
const PLASO = resolve('shared/formats/fixtures/defender/plaso/advanced_hunting_test.csv');
const SQUID = resolve('shared/formats/fixtures/squid/test-access-extensive.log');
const SAMPLE_SQUID = resolve('resources/sample/squid-access.log');
const out = mkdtempSync(join(tmpdir(), 'cloudscope-e2e-analyze-'));
let session: Session | null = null;

afterEach(async () => {
  await session?.close();
  session = null;
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function importFiles(page: Page, files: string[]): Promise<void> {
  const c = components(page);
  await actions(page).openImport(files);
  await c.importDialog.getByRole('region', { name: 'Preview' }).waitFor();
  await c.importDialog.getByRole('button', { name: 'Import', exact: true }).click();
  await c.importDialog.getByRole('region', { name: 'Import result' }).waitFor({ timeout: 60_000 });
}

async function closeImport(page: Page): Promise<void> {
  const c = components(page);
  await c.importDialog.getByRole('button', { name: 'Done' }).click();
  await c.importDialog.waitFor({ state: 'hidden' });
}

/** A fresh app with each file imported on its own, the dialog closed after each, as an analyst would. */
async function openWithImports(files: string[], opts?: Parameters<typeof openApp>[1]) {
  session = await openApp(baseUrl, opts);
  const { page } = session;
  const a = actions(page);
  await a.waitForEngine();
  for (const f of files) {
    await importFiles(page, [f]);
    await closeImport(page);
  }
  return { page, a, errors: session.errors };
}

async function analyzeDevices(file: string, extra: string[] = []): Promise<Record<string, string>[]> {
  const args = parseArgs([file, '--out', out, '--quiet', ...extra]);
  if (args === 'help') throw new Error('help');
  await analyze(args);
  return Papa.parse<Record<string, string>>(readFileSync(join(out, 'devices.csv'), 'utf8'), {
    header: true,
    skipEmptyLines: true,
  }).data;
}

/** The entity page's tab `name`, opened, once what it shows is in (its panel is busy while the facts are read). */
async function openTab(page: Page, name: string) {
  await page.getByRole('tab', { name, exact: true }).click();
  const panel = page.getByRole('tabpanel', { name });
  await panel.and(page.locator('[aria-busy="false"]')).waitFor();
  return panel;
}

function kpi(page: Page, label: string) {
  return page
    .locator('.kpi')
    .filter({ has: page.getByText(label, { exact: true }) })
    .locator('dd');
}

describe('investigating imported telemetry', () => {
  it('shows the device page with the same numbers analyze writes', async () => {
    const [expected] = await analyzeDevices(PLASO);
    session = await openApp(baseUrl);
    const { page } = session;
    const a = actions(page);
    await a.waitForEngine();
    await importFiles(page, [PLASO]);
    const result = components(page).importDialog.getByRole('region', { name: 'Import result' });
    await expect(result.getByRole('cell', { name: 'defender-csv' }).isVisible()).resolves.toBe(true);
    await screenshot(page, 'import-result');
    await closeImport(page);

    await a.goTo('Dashboard');
    await kpi(page, 'Transactions').waitFor();
    expect(await kpi(page, 'Transactions').textContent()).toBe(Number(expected.Transactions).toLocaleString('en-US'));
    await page.waitForTimeout(300);
    await screenshot(page, 'dashboard-endpoint-light');
    // The Apps count takes in infrastructure noise (as analyze's summary): it opens the table with the noise shown,
    // so the table counts what the tile said; the table on its own hides it.
    const apps = (await kpi(page, 'Apps').textContent()) ?? '';
    await page.getByRole('link', { name: `Apps: ${apps} — open Discovered apps` }).click();
    await page.getByText(`${apps} apps`, { exact: true }).waitFor();
    await expect(page.getByLabel('Hide infrastructure noise').isChecked()).resolves.toBe(false);
    await a.goTo('Discovered apps');
    await expect(page.getByLabel('Hide infrastructure noise').isChecked()).resolves.toBe(true);
    await expect(page.getByText(`${apps} apps`, { exact: true }).isVisible()).resolves.toBe(false);

    await a.goTo('Machines');
    await page.getByRole('row', { name: /test-hostname/ }).click();
    await page.getByRole('heading', { level: 1, name: expected.Device }).waitFor();
    for (const name of ['Overview', 'Discovered apps', 'User history', 'IP address history']) {
      await expect(page.getByRole('tab', { name, exact: true }).isVisible()).resolves.toBe(true);
    }
    await kpi(page, 'Transactions').waitFor();
    // The selected tab controls the panel shown.
    const panelId = await page.getByRole('tabpanel', { name: 'Overview' }).getAttribute('id');
    expect(panelId).toBeTruthy();
    expect(await page.getByRole('tab', { name: 'Overview' }).getAttribute('aria-controls')).toBe(panelId);
    expect(await kpi(page, 'Transactions').textContent()).toBe(Number(expected.Transactions).toLocaleString('en-US'));
    expect(await kpi(page, 'Apps').textContent()).toBe(expected.Apps);
    await page.waitForTimeout(300);
    await screenshot(page, 'device-overview');

    const users = (await openTab(page, 'User history')).getByRole('row');
    expect(await users.count()).toBe(Number(expected.Users) + 1);
    const ips = (await openTab(page, 'IP address history')).getByRole('row');
    expect(await ips.count()).toBe(Number(expected['IP addresses']) + 1);
    await screenshot(page, 'device-ip-history');

    // Pivot to a user the device had: the user page follows the same pattern.
    await openTab(page, 'User history');
    const firstUser = (await users.nth(1).getByRole('cell').first().textContent()) ?? '';
    await users.nth(1).click();
    await page.getByRole('heading', { level: 1, name: firstUser }).waitFor();
    await expect(
      (await openTab(page, 'Device history')).getByRole('cell', { name: expected['Device ID'] }).isVisible(),
    ).resolves.toBe(true);
    await screenshot(page, 'user-device-history');

    // And to an address the user had: the IP address page, its numbers those analyze writes to ips.csv.
    const ipsCsv = Papa.parse<Record<string, string>>(readFileSync(join(out, 'ips.csv'), 'utf8'), {
      header: true,
      skipEmptyLines: true,
    }).data;
    const userIps = (await openTab(page, 'IP address history')).getByRole('row');
    const address = (await userIps.nth(1).getByRole('cell').first().textContent()) ?? '';
    await userIps.nth(1).click();
    await page.getByRole('heading', { level: 1, name: address }).waitFor();
    for (const name of ['Overview', 'Discovered apps', 'Device history', 'User history'])
      await expect(page.getByRole('tab', { name, exact: true }).isVisible()).resolves.toBe(true);
    const row = ipsCsv.find((r) => r['IP address'] === address);
    expect(row).toBeDefined();
    await kpi(page, 'Transactions').waitFor();
    expect(await kpi(page, 'Transactions').textContent()).toBe(Number(row?.Transactions).toLocaleString('en-US'));
    expect(await kpi(page, 'Apps').textContent()).toBe(row?.Apps);
    await expect(page.getByText('Why this risk level').count()).resolves.toBe(0);
    await page.waitForTimeout(300);
    await screenshot(page, 'ip-overview');
    const ipDevices = (await openTab(page, 'Device history')).getByRole('row');
    expect(await ipDevices.count()).toBe(Number(row?.Devices) + 1);
    await ipDevices.nth(1).click();
    await page.getByRole('tab', { name: 'User history' }).waitFor();
    // The IP addresses table opens the same page.
    await a.goTo('IP addresses');
    // Filtered to a subnet: here the one address; what is not a subnet says so and filters nothing.
    const ipTable = page.getByRole('region', { name: 'IP addresses' });
    const subnet = page.getByRole('textbox', { name: 'Subnet' });
    await ipTable.locator('tbody tr.row').first().waitFor();
    expect(await ipTable.locator('tbody tr.row').count()).toBeGreaterThan(1);
    await subnet.fill('not/a/subnet');
    await subnet.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'Not a subnet' }).waitFor();
    // One address as a subnet: /128 for IPv6, /32 for IPv4 (the user's first address may be either).
    await subnet.fill(`${address}/${address.includes(':') ? 128 : 32}`);
    await subnet.press('Enter');
    await expect.poll(() => ipTable.locator('tbody tr.row').count()).toBe(1);
    await page
      .getByRole('region', { name: 'IP addresses' })
      .getByRole('row', { name: new RegExp(`^${address.replace(/\./g, '\\.')} `) })
      .click();
    await page.getByRole('heading', { level: 1, name: address }).waitFor();

    // Anonymized, the device shows a pseudonym; revealing it is an audited act.
    await a.goTo('Settings');
    await page.getByLabel('Anonymize user and device names').check();
    await a.goTo('Machines');
    await page.getByRole('row', { name: /Device-[0-9A-F]{6}/ }).click();
    await page.getByRole('heading', { level: 1, name: /^Device-[0-9A-F]{6}$/ }).waitFor();
    await page.getByRole('button', { name: 'Reveal name' }).click();
    await expect(page.getByTestId('revealed-name').textContent()).resolves.toBe(expected['Device ID']);
    expect(session.errors).toEqual([]);
  });

  it("keeps a device page's numbers and says what it could not read when its facts cannot be read", async () => {
    const { page, a } = await openWithImports([PLASO]);
    // At the worker's edge: while `__failFacts` is set, the page's request for the device's facts reaches the engine
    // under a method it does not have, so it fails as a read would; the head (its table row) is asked as usual.
    await page.addInitScript(() => {
      const w = window as unknown as { __failFacts: boolean; __factsAsked: number };
      w.__failFacts = true;
      w.__factsAsked = 0;
      const post = Worker.prototype.postMessage;
      Worker.prototype.postMessage = function (this: Worker, msg: unknown, ...rest: never[]) {
        const m = msg as { kind?: string; method?: string } | null;
        const asked = m?.kind === 'request' && m.method === 'query.device';
        if (asked) w.__factsAsked++;
        const failed = w.__failFacts && asked;
        return post.call(this, failed ? { ...m, method: 'query.device.unreadable' } : msg, ...rest);
      } as typeof post;
    });
    await page.reload();
    await a.waitForEngine();
    await page.getByRole('combobox', { name: 'Report' }).selectOption('endpoint');
    await a.goTo('Machines');
    const row = page.getByRole('row', { name: /test-hostname/ });
    const transactions = (await row.getByRole('cell').allTextContents()).find((t) => /^[\d,]+$/.test(t.trim()));
    await row.click();
    await page.getByRole('heading', { level: 1, name: /test-hostname/ }).waitFor();
    const overview = page.getByRole('tabpanel', { name: 'Overview' });
    const alert = overview.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(
      /^\s*Could not read its activity: Unknown method query\.device\.unreadable\.\s*Retry\s*$/,
    );
    // The numbers from the view's tables stay, and nothing claims to be still loading.
    expect(await kpi(page, 'Transactions').textContent()).toBe(transactions?.trim());
    expect(await overview.getAttribute('aria-busy')).toBe('false');
    expect(await overview.getByRole('img').count()).toBe(0);
    await screenshot(page, 'device-facts-unreadable');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(300);
    await screenshot(page, 'device-facts-unreadable-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    const apps = await openTab(page, 'Discovered apps');
    expect(await apps.getByRole('alert').textContent()).toContain('Could not read its apps: Unknown method');
    await screenshot(page, 'device-facts-unreadable-apps');
    const users = await openTab(page, 'User history');
    expect(await users.getByRole('alert').textContent()).toContain('Could not read its user history: Unknown method');

    // Retry asks for the facts again (the head stays): still unreadable, the same alert comes back.
    const asked = () => page.evaluate(() => (window as unknown as { __factsAsked: number }).__factsAsked);
    const before = await asked();
    await users.getByRole('button', { name: 'Retry' }).click();
    await page.waitForFunction((n) => (window as unknown as { __factsAsked: number }).__factsAsked > n, before);
    await users.getByRole('alert').waitFor();
    expect(await users.getByRole('alert').textContent()).toContain('Could not read its user history: Unknown method');
    // Once the facts can be read, Retry makes the same page whole where the analyst is, no alert left.
    await page.evaluate(() => {
      (window as unknown as { __failFacts: boolean }).__failFacts = false;
    });
    await users.getByRole('button', { name: 'Retry' }).focus();
    await page.keyboard.press('Enter');
    // The button went with the error: focus is on the open tab, not lost.
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('User history');
    await users.and(page.locator('[aria-busy="false"]')).waitFor();
    expect(await users.getByRole('row').count()).toBeGreaterThan(1);
    expect(await page.getByRole('alert').count()).toBe(0);
    const whole = await openTab(page, 'Overview');
    await whole.locator('canvas').first().waitFor();
    expect(await kpi(page, 'Transactions').textContent()).toBe(transactions?.trim());
    await screenshot(page, 'device-facts-retried');
  });

  it('reopens with the same numbers, each report read from the store as it is shown', async () => {
    const [expected] = await analyzeDevices(PLASO);
    await analyzeDevices(SQUID);
    const squid = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { transactions: number };
    const { page, a, errors } = await openWithImports([PLASO, SQUID]);
    const shows = (n: number | string) =>
      page.waitForFunction(
        (want) =>
          [...document.querySelectorAll('.kpi')]
            .find((k) => k.querySelector('dt')?.textContent?.trim() === 'Transactions')
            ?.querySelector('dd')?.textContent === want,
        typeof n === 'number' ? n.toLocaleString('en-US') : n,
      );
    await a.goTo('Dashboard');
    await shows(squid.transactions);

    // Reopened: the working set is read again from IndexedDB, a report's own imports first; the dashboards computed
    // so far are answered from the store (once written: the engine keeps them a moment after computing them).
    await page.waitForFunction(
      () =>
        new Promise((resolve) => {
          const req = indexedDB.open('cloudscope');
          req.onsuccess = () => {
            const get = req.result.transaction('kv').objectStore('kv').get('derived.dashboards');
            get.onsuccess = () => {
              req.result.close();
              resolve(Array.isArray(get.result?.value) && get.result.value.length >= 2);
            };
          };
        }),
    );
    await page.reload();
    await a.waitForEngine();
    const report = page.getByRole('combobox', { name: 'Report' });
    await report.selectOption('endpoint');
    await shows(Number(expected.Transactions));
    await a.goTo('Machines');
    await page.getByRole('row', { name: /test-hostname/ }).click();
    await page.getByRole('heading', { level: 1, name: expected.Device }).waitFor();
    await kpi(page, 'Transactions').waitFor();
    expect(await kpi(page, 'Transactions').textContent()).toBe(Number(expected.Transactions).toLocaleString('en-US'));
    expect(await kpi(page, 'Apps').textContent()).toBe(expected.Apps);
    await a.goTo('Dashboard');
    await report.selectOption('global');
    await shows(squid.transactions);
    expect(errors).toEqual([]);
  });

  it("narrows every number to a custom window of days in the analyst's time zone", async () => {
    // Two local days in Berlin (UTC+1 in January) are 23:00Z the evening before to 23:00Z on the last day.
    await analyzeDevices(SAMPLE_SQUID, ['--from', '2026-01-06T23:00:00Z', '--to', '2026-01-08T23:00:00Z']);
    const expected = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { transactions: number };
    await analyzeDevices(SAMPLE_SQUID);
    const all = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { transactions: number };
    expect(expected.transactions).toBeGreaterThan(0);
    expect(expected.transactions).toBeLessThan(all.transactions);

    const { page, a, errors } = await openWithImports([SAMPLE_SQUID], { timezoneId: 'Europe/Berlin' });
    await a.goTo('Dashboard');
    const transactions = kpi(page, 'Transactions');
    const shows = (n: number) =>
      page.waitForFunction(
        (want) =>
          [...document.querySelectorAll('.kpi')]
            .find((k) => k.querySelector('dt')?.textContent?.trim() === 'Transactions')
            ?.querySelector('dd')?.textContent === want,
        n.toLocaleString('en-US'),
      );
    await shows(all.transactions);

    await page.getByRole('combobox', { name: 'Time window' }).selectOption({ label: 'Custom…' });
    // Custom starts as the report's whole range, so nothing changes yet.
    await expect(page.getByLabel('From', { exact: true }).inputValue()).resolves.toBe('2026-01-05');
    await expect(page.getByLabel('To', { exact: true }).inputValue()).resolves.toBe('2026-01-11');
    await page.getByLabel('From', { exact: true }).fill('2026-01-07');
    await page.getByLabel('To', { exact: true }).fill('2026-01-08');
    await shows(expected.transactions);
    expect(await transactions.textContent()).toBe(expected.transactions.toLocaleString('en-US'));
    await screenshot(page, 'dashboard-custom-window');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(300);
    await screenshot(page, 'dashboard-custom-window-dark');
    expect(errors).toEqual([]);
  });

  it('says so where the source records no user names, rather than ranking apps by zero users', async () => {
    // Zeek conn rows name no user: the Top apps by users card has nothing to rank.
    const conn = join(out, 'conn.log');
    const row = (ts: number, src: string, dst: string, up: number, down: number) =>
      `${ts}\tC${ts}\t${src}\t50000\t${dst}\t443\ttcp\tssl\t1.0\t${up}\t${down}\tSF\tT\tF\t0\tShADadFf\t1\t1\t1\t1\t(empty)`;
    writeFileSync(
      conn,
      [
        '#separator \\x09',
        '#path\tconn',
        '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents',
        row(1790812801, '10.20.0.72', '172.80.126.54', 35958, 1291919),
        row(1790812901, '10.20.0.73', '172.80.126.54', 1200, 9000),
        row(1790813001, '10.20.0.72', '198.51.100.7', 500, 700),
        '',
      ].join('\n'),
    );
    const { page, a, errors } = await openWithImports([conn]);
    await a.goTo('Dashboard');
    await kpi(page, 'Transactions').filter({ hasText: '3' }).waitFor();
    await expect(kpi(page, 'Users').textContent()).resolves.toBe('n/a');
    const card = page.getByRole('link', { name: 'Top apps by users — open Discovered apps' });
    await card.getByText('No user names in this report and window.').waitFor();
    await expect(card.getByRole('img').count()).resolves.toBe(0);
    await expect(page.getByRole('img', { name: 'Top apps by traffic' }).count()).resolves.toBe(1);
    await page.waitForTimeout(300);
    await screenshot(page, 'dashboard-no-users');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(300);
    await screenshot(page, 'dashboard-no-users-dark');
    expect(errors).toEqual([]);
  });

  it('opens the table behind each dashboard widget, sorted or filtered by what it shows', async () => {
    const { page, a, errors } = await openWithImports([SQUID]);
    await a.goTo('Dashboard');
    const apps = page.getByRole('region', { name: 'Apps' });
    const header = (name: string) => apps.getByRole('columnheader', { name: new RegExp(`^${name}`) });

    // A headline number: Discovered apps by that number, largest first.
    await page.getByRole('link', { name: /^Traffic: .+ — open Discovered apps by traffic$/ }).click();
    await apps.getByRole('row').nth(1).waitFor();
    await expect(header('Traffic').getAttribute('aria-sort')).resolves.toBe('descending');
    await a.goTo('Dashboard');
    await page.getByRole('link', { name: /^Devices: \d+ — open Machines$/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Machines' }).waitFor();

    // Riskiest devices: all the high-risk machines (none in this log), then any level (its one device).
    await a.goTo('Dashboard');
    await page.getByRole('link', { name: 'All high-risk machines' }).click();
    const machines = page.getByRole('region', { name: 'Machines' });
    await machines.getByText('No machines match').waitFor();
    expect(await page.getByRole('combobox', { name: 'Risk level' }).inputValue()).toBe('High');
    await page.getByRole('combobox', { name: 'Risk level' }).selectOption('');
    await machines.locator('tbody tr.row').first().waitFor();
    expect(await machines.locator('tbody tr.row').count()).toBe(1);
    await page.getByRole('combobox', { name: 'Risk level' }).selectOption('Informational');
    await machines.locator('tbody tr.row').first().waitFor();
    await expect(machines.getByRole('cell', { name: 'Informational' }).count()).resolves.toBe(1);

    // A score band: the apps of that band only, the Score filter showing it.
    await a.goTo('Dashboard');
    const bands = page.getByRole('list', { name: 'Apps by score band' });
    const counts = await bands.getByRole('listitem').allTextContents();
    const busiest = counts
      .map((t) => ({ band: t.split(' · ')[0], n: Number(t.replace(/.* · ([\d,]+) apps?$/, '$1').replace(/,/g, '')) }))
      .filter((b) => b.band !== 'Unidentified')
      .sort((x, y) => y.n - x.n)[0];
    expect(busiest.n).toBeGreaterThan(0);
    await bands.getByRole('link', { name: busiest.band }).click();
    await apps.getByRole('row').nth(1).waitFor();
    expect(await page.getByRole('combobox', { name: 'Score' }).locator('option:checked').textContent()).toBe(
      busiest.band,
    );
    const [lo, hi] = busiest.band
      .replace(/.*\((\d+)–(\d+)\)/, '$1 $2')
      .split(' ')
      .map(Number);
    const scoreColumn = (await apps.getByRole('columnheader').allTextContents()).findIndex((h) =>
      h.startsWith('Score'),
    );
    const scores = await apps
      .locator('tbody tr.row')
      .evaluateAll((rows, i) => rows.map((r) => Number.parseFloat(r.children[i]?.textContent ?? '')), scoreColumn);
    expect(scores.length).toBe(busiest.n);
    for (const x of scores) {
      expect(x).toBeGreaterThanOrEqual(lo);
      expect(x).toBeLessThan(hi + 1);
    }
    await page.waitForTimeout(300);
    await screenshot(page, 'apps-score-band');
    // Every app the filters match tagged at once, then untagged.
    await page.getByRole('combobox', { name: 'Tag to apply' }).selectOption('Monitored');
    await page.getByRole('button', { name: 'Tag all matching', exact: true }).click();
    const tagged = `${busiest.n} app${busiest.n === 1 ? '' : 's'} tagged Monitored.`;
    await page.getByRole('status').filter({ hasText: tagged }).waitFor();
    await expect.poll(() => apps.locator('tbody tr.row', { hasText: 'Monitored' }).count()).toBe(busiest.n);
    await page.getByRole('button', { name: 'Untag all matching' }).click();
    await page.getByRole('status').filter({ hasText: 'Monitored removed from' }).waitFor();
    await expect.poll(() => apps.locator('tbody tr.row', { hasText: 'Monitored' }).count()).toBe(0);

    // A day of the timeline (this log has one): Discovered apps over that day (its 4 apps), the window back after.
    const dayOpened = async () => {
      await page.getByRole('heading', { level: 1, name: 'Discovered apps' }).waitFor();
      await apps.getByRole('row').nth(1).waitFor();
      expect(await page.getByRole('combobox', { name: 'Time window' }).inputValue()).toBe('custom');
      await expect(apps.locator('tbody tr.row').count()).resolves.toBe(4);
      await page.getByRole('combobox', { name: 'Time window' }).selectOption('all');
    };
    await a.goTo('Dashboard');
    const timelineChart = page.getByRole('img', { name: 'Daily transactions and traffic' });
    await timelineChart.locator('canvas').first().waitFor();
    await timelineChart.scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
    const box = await timelineChart.boundingBox();
    if (!box) throw new Error('no timeline chart');
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await dayOpened();

    // The same by keyboard: the timeline takes focus, arrow keys (or End) pick a day, announced; Enter opens it.
    await a.goTo('Dashboard');
    const byKeys = page.getByRole('img', { name: 'Daily transactions and traffic' });
    await byKeys.locator('canvas').first().waitFor();
    await byKeys.focus();
    await page.keyboard.press('End');
    const picked = page.getByRole('status').filter({ hasText: /^\d{4}-\d{2}-\d{2} \(UTC\): [\d,]+ transactions/ });
    await picked.waitFor();
    await screenshot(page, 'dashboard-timeline-keyboard');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(300);
    await screenshot(page, 'dashboard-timeline-keyboard-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.keyboard.press('Enter');
    await dayOpened();

    // Every category with the share of its apps sanctioned.
    await a.goTo('Dashboard');
    const cats = await page.getByRole('list', { name: 'Top categories' }).getByRole('listitem').allTextContents();
    expect(cats.length).toBeGreaterThan(0);
    for (const c of cats) expect(c).toMatch(/ · [\d,]+ apps?, \d+% sanctioned$/);
    await page.getByRole('list', { name: 'Apps by score band' }).scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
    await screenshot(page, 'dashboard-widgets');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(300);
    await screenshot(page, 'dashboard-widgets-dark');
    expect(errors).toEqual([]);
  });

  it('tags an app and moves scores when the weighting changes', async () => {
    const { page, a, errors } = await openWithImports([SQUID], { colorScheme: 'dark' });
    await a.goTo('Discovered apps');
    const table = page.getByRole('region', { name: 'Apps' });
    await table.getByRole('columnheader', { name: /Score/ }).getByRole('button').click();
    const scoredRow = table
      .getByRole('row')
      .filter({ hasText: /\d\.\d/ })
      .first();
    await scoredRow.waitFor();
    await screenshot(page, 'apps-dark');
    await scoredRow.click();
    await page.getByRole('tab', { name: 'Score' }).waitFor();
    const scoreText = async () => (await kpi(page, 'Score').textContent()) ?? '';
    const before = Number.parseFloat(await scoreText());
    await page.getByRole('button', { name: 'Mark Unsanctioned' }).click();
    await page.getByRole('button', { name: 'Remove Unsanctioned' }).waitFor();
    await expect(page.locator('.tag-chip', { hasText: 'Unsanctioned' }).isVisible()).resolves.toBe(true);
    await page.getByRole('tab', { name: 'Score' }).click();
    const override = page.getByRole('form', { name: 'Score override' });
    await override.getByLabel('Override score').fill('1.5');
    await override.getByLabel('Note').fill('Shadow IT we are retiring');
    await override.getByRole('button', { name: 'Set override' }).click();
    await page.getByText('Overridden by the analyst: Shadow IT we are retiring').waitFor();
    await screenshot(page, 'app-score-dark');
    await override.getByRole('button', { name: 'Remove override' }).click();
    await page.getByText('Overridden by the analyst').waitFor({ state: 'detached' });
    const appUrl = page.url();

    await a.goTo('Settings');
    await page.getByLabel('Unknown values count against the score').check();
    await page.goto(appUrl);
    await page.getByRole('tab', { name: 'Overview' }).waitFor();
    await page.waitForFunction((b) => {
      const dd = [...document.querySelectorAll('.kpi')]
        .find((k) => k.textContent?.includes('Score'))
        ?.querySelector('dd');
      return dd && Number.parseFloat(dd.textContent ?? '') < b;
    }, before);
    expect(Number.parseFloat(await scoreText())).toBeLessThan(before);
    const appName = (await page.getByRole('heading', { level: 1 }).textContent()) ?? '';

    // One-click exports: the table exactly as shown, then the block list for the unsanctioned app.
    await a.goTo('Discovered apps');
    await table.getByRole('row').nth(1).waitFor();
    const download = async (menu: string, item: string) => {
      const d = page.waitForEvent('download');
      await page.getByRole('button', { name: menu }).click();
      await page.getByRole('menuitem', { name: item, exact: true }).click();
      const file = await d;
      return { name: file.suggestedFilename(), text: readFileSync((await file.path()) as string, 'utf8') };
    };
    const csv = await download('Export', 'CSV');
    expect(csv.name).toMatch(/^apps-.*\.csv$/);
    const rows = Papa.parse<string[]>(csv.text.trim()).data;
    expect(rows[0]).toEqual([
      'App',
      'Category',
      'Score',
      'Tags',
      'Transactions',
      'Users',
      'IP addresses',
      'Devices',
      'Traffic',
      'Upload',
      'Download',
      'Last seen',
    ]);
    expect(rows.find((r) => r[0] === appName)?.[3]).toContain('Unsanctioned');
    const indicators = await download('Block lists', 'Defender for Endpoint indicators');
    const ind = Papa.parse<Record<string, string>>(indicators.text.trim(), { header: true }).data;
    expect(indicators.name).toBe('indicators-001.csv');
    expect(ind.length).toBeGreaterThan(0);
    expect(ind.every((r) => r.IndicatorType === 'DomainName' && r.Action === 'Block')).toBe(true);
    await a.goTo('Dashboard');
    const report = await download('Export report', 'Incident report (HTML)');
    expect(report.text).toContain(appName);

    // An unidentified domain becomes a custom app in one action; its past traffic follows it.
    await a.goTo('Discovered apps');
    await table.getByRole('row', { name: /httpbin\.org/ }).click();
    const promote = page.getByRole('form', { name: 'Promote to a custom app' });
    await promote.getByLabel('Name').fill('HTTPBin test service');
    await promote.getByRole('button', { name: 'Promote to custom app' }).click();
    await page.getByRole('heading', { level: 1, name: 'HTTPBin test service' }).waitFor();
    await expect(page.locator('.tag-chip', { hasText: 'Custom app' }).isVisible()).resolves.toBe(true);

    // A custom app from scratch, and a query saved from what is on screen.
    await a.goTo('Discovered apps');
    await page.getByRole('button', { name: 'Add custom app' }).click();
    const form = page.getByRole('form', { name: 'New custom app' });
    await form.getByLabel('Name').fill('Example Corp intranet');
    await form.getByLabel('Domains').fill('example.com');
    await form.getByRole('button', { name: 'Save custom app' }).click();
    await page.getByRole('heading', { level: 1, name: 'Example Corp intranet' }).waitFor();
    await a.goTo('Discovered apps');
    await page.getByRole('combobox', { name: 'Tag', exact: true }).selectOption('Custom app');
    page.once('dialog', (d) => void d.accept('Our custom apps'));
    await page.getByRole('button', { name: 'Save query' }).click();
    await page
      .getByRole('combobox', { name: 'Query' })
      .getByRole('option', { name: 'Our custom apps' })
      .waitFor({ state: 'attached' });

    // The audit log records both changes; the report opens in a window of its own for printing.
    await a.goTo('Settings');
    const audit = await download('Export audit log', 'CSV');
    expect(audit.text).toContain('Unsanctioned');
    expect(audit.text).toContain('custom-app-add');
    await a.goTo('Dashboard');
    const popup = page.waitForEvent('popup');
    await page.getByRole('button', { name: 'Export report' }).click();
    await page.getByRole('menuitem', { name: 'Print or save as PDF' }).click();
    const printable = await popup;
    await printable.waitForLoadState();
    expect(await printable.content()).toContain(appName);
    expect(errors).toEqual([]);
  });

  it('raises signals by the policy thresholds and severity set in Settings, as analyze does with the same settings', async () => {
    // 21 days of six clients working on one site; on day 18 one of them uses a site new to the fleet 1,500 times
    // (6 MB): past the learning week, a new app — high-volume once the threshold is under 6 MB.
    const DAY_S = 86_400;
    const start = Date.UTC(2026, 8, 7) / 1000;
    const lines: string[] = [];
    const line = (t: number, k: number, host: string) =>
      lines.push(`${t}.000    120 10.9.0.${k} TCP_TUNNEL/200 4000 CONNECT ${host}:443 u${k} HIER_DIRECT/192.0.2.1 -`);
    for (let day = 0; day < 21; day++)
      for (let k = 1; k <= 6; k++) {
        if (day % 7 < 5)
          for (let h = 8; h < 18; h++)
            for (let j = 0; j < 10; j++) line(start + day * DAY_S + h * 3600 + j * 60, k, 'www.worky.com');
        if (k === 3 && day === 18)
          for (let j = 0; j < 1500; j++) line(start + day * DAY_S + 12 * 3600 + j, k, 'www.other-site.com');
      }
    lines.sort();
    const file = join(out, 'fleet-access.log');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const { page, a, errors } = await openWithImports([file]);
    const signals = page.locator('.card', { has: page.getByRole('heading', { name: 'Open signals' }) });
    const highVolume = signals.getByRole('row').filter({ hasText: 'New high-volume app' });
    await signals.getByText('No signals in this report and window').waitFor();

    await a.goTo('Settings');
    const traffic = page.getByLabel('New high-volume app: traffic in a day (MB)');
    expect(await traffic.inputValue()).toBe('500');
    await traffic.fill('1');
    await traffic.press('Enter');
    await page.getByLabel('Severity for signals sent to Defender for Endpoint').selectOption('High');
    // Not a threshold: the field shows the one in force again.
    const risky = page.getByLabel('New risky app: score at or below');
    await risky.fill('11');
    await risky.press('Enter');
    expect(await risky.inputValue()).toBe('4');
    await screenshot(page, 'settings-policy');

    await a.goTo('Dashboard');
    await highVolume.waitFor({ timeout: 30_000 });
    const cells = await highVolume.getByRole('cell').allTextContents();
    expect(cells.slice(1, 4)).toEqual(['High', 'New high-volume app', 'other-site.com']);
    expect(cells[4]).toContain('of traffic on');
    // The signal's app opens Discovered apps searched for it.
    await highVolume.getByRole('link', { name: 'other-site.com — open Discovered apps' }).click();
    await page.getByRole('region', { name: 'Apps' }).getByRole('cell', { name: 'other-site.com' }).first().waitFor();
    expect(await page.getByRole('searchbox', { name: 'Search apps' }).inputValue()).toBe('other-site.com');

    // analyze with the same settings raises the same signal.
    const settingsFile = join(out, 'settings.json');
    writeFileSync(
      settingsFile,
      JSON.stringify({ thresholds: { highVolumeBytes: 1024 * 1024 }, signalSeverity: 'High' }),
    );
    await analyzeDevices(file, ['--settings', settingsFile]);
    const written = Papa.parse<Record<string, string>>(readFileSync(join(out, 'signals.csv'), 'utf8'), {
      header: true,
      skipEmptyLines: true,
    }).data;
    expect(written.map((r) => [r.Severity, r.Type, r.App, r.Description])).toEqual([
      ['High', 'New high-volume app', 'other-site.com', cells[4]],
    ]);

    // The device behind it: its activity against its baseline, and the anomalies its risk level comes from.
    await a.goTo('Machines');
    await page
      .getByRole('region', { name: 'Machines' })
      .getByRole('row', { name: /^10\.9\.0\.3 / })
      .click();
    await page.getByRole('heading', { level: 1, name: '10.9.0.3' }).waitFor();
    await page.getByRole('img', { name: 'Daily activity against its baseline' }).locator('canvas').first().waitFor();
    const anomalies = page.locator('.card', { has: page.getByRole('heading', { name: 'Anomalies' }) });
    const firstUse = anomalies.getByRole('row').filter({ hasText: 'First use' });
    await firstUse.first().waitFor();
    expect(await firstUse.first().getByRole('cell').nth(3).textContent()).toContain('first use of other-site.com');
    await anomalies.scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
    await screenshot(page, 'device-anomalies');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(300);
    await screenshot(page, 'device-anomalies-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    // Back to the default: the signal goes.
    await a.goTo('Settings');
    await traffic.fill('500');
    await traffic.press('Enter');
    await a.goTo('Dashboard');
    await signals.getByText('No signals in this report and window').waitFor({ timeout: 30_000 });
    expect(errors).toEqual([]);
  });
});
