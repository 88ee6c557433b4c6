// The virtualized tables in Chromium: a table of thousands of rows, its rows reused as it scrolls (each row element
// shows another row when scrolled away; DataTable.vue), must show every row in its place, in order, and be usable
// from the keyboard with one tab stop.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { actions, components } from './app-page';
import { openApp, type Session, screenshot } from './browser';

const baseUrl = inject('baseUrl');
const dir = mkdtempSync(join(tmpdir(), 'cloudscope-e2e-tables-'));
const APPS = 3000;
let session: Session | null = null;
afterEach(async () => {
  await session?.close();
  session = null;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A Squid log with one connection to each of APPS registrable domains, t0000.com … t2999.com. */
function manyApps(): string {
  const file = join(dir, 'many-apps.log');
  const start = Date.UTC(2026, 9, 1) / 1000;
  const lines: string[] = [];
  for (let i = 0; i < APPS; i++) {
    const name = `t${String(i).padStart(4, '0')}`;
    lines.push(
      `${start + i * 7}.000    120 10.0.${i >> 8}.${i & 255} TCP_TUNNEL/200 ${1000 + i} CONNECT www.${name}.com:443 u${i} HIER_DIRECT/192.0.2.1 -`,
    );
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Discovered apps with the many-apps log imported, sorted by App name, A first. */
async function openSortedApps(): Promise<Page> {
  session = await openApp(baseUrl);
  const { page } = session;
  const a = actions(page);
  const c = components(page);
  await a.waitForEngine();
  await a.openImport([manyApps()]);
  await c.importDialog.getByRole('region', { name: 'Preview' }).waitFor();
  await c.importDialog.getByRole('button', { name: 'Import', exact: true }).click();
  await c.importDialog.getByRole('region', { name: 'Import result' }).waitFor({ timeout: 60_000 });
  await c.importDialog.getByRole('button', { name: 'Done' }).click();
  await a.goTo('Discovered apps');
  const apps = page.getByRole('region', { name: 'Apps' });
  await apps
    .getByRole('status')
    .filter({ hasText: `${APPS.toLocaleString('en-US')} apps` })
    .waitFor();
  const header = apps.getByRole('columnheader', { name: /^App/ });
  await header.getByRole('button').click();
  await header.getByRole('button').click();
  await expect.poll(() => header.getAttribute('aria-sort')).toBe('ascending');
  await apps.getByRole('cell', { name: 't0000.com', exact: true }).waitFor();
  return page;
}

/**
 * The rows on screen, top to bottom, once none is a placeholder: each row's place (aria-rowindex less the header),
 * its App cell and its top relative to the first.
 */
function rowsInView(page: Page): Promise<{ index: number; app: string; top: number }[]> {
  return page.evaluate(async () => {
    const frame = () => new Promise((r) => requestAnimationFrame(() => r(null)));
    const table = document.querySelector('section[aria-label="Apps"]') as HTMLElement;
    const scroller = table.querySelector('.scroller') as HTMLElement;
    for (let tries = 0; tries < 600; tries++) {
      await frame();
      // What shows of the scroller: its client area (not a sideways scroll bar).
      const bottom = scroller.getBoundingClientRect().top + scroller.clientTop + scroller.clientHeight;
      const header = (table.querySelector('thead') as HTMLElement).getBoundingClientRect().bottom;
      const rows = [...table.querySelectorAll('tbody tr')]
        .map((r) => ({ r, box: r.getBoundingClientRect() }))
        .filter(({ box }) => box.top >= header - 1 && box.bottom <= bottom + 1)
        .sort((x, y) => x.box.top - y.box.top);
      if (rows.length === 0 || rows.some(({ r }) => r.querySelector('td[colspan]'))) continue;
      return rows.map(({ r, box }) => ({
        index: Number(r.getAttribute('aria-rowindex')) - 2,
        app: (r.querySelector('td') as HTMLElement).textContent ?? '',
        top: Math.round(box.top - rows[0].box.top),
      }));
    }
    throw new Error('rows still loading after 600 frames');
  });
}

/**
 * The rows on screen are those the scroll offset puts there: the first whole row below the sticky header, then
 * each next one, one row height apart, as many as fit, each showing its own row (names sorted: t0000.com, …).
 */
async function expectInPlace(page: Page): Promise<{ index: number; app: string; top: number }[]> {
  const rows = await rowsInView(page);
  const { top, room } = await page
    .getByRole('region', { name: 'Apps' })
    .locator('.scroller')
    .evaluate((el) => {
      const header = (el.querySelector('thead') as HTMLElement).offsetHeight;
      return { top: el.scrollTop, room: el.clientHeight - header };
    });
  const firstIndex = Math.ceil(top / 38);
  const fit = Math.floor((room - (firstIndex * 38 - top)) / 38);
  expect(rows.length).toBeGreaterThanOrEqual(Math.min(fit, APPS - firstIndex));
  rows.forEach((r, k) => {
    expect(r.index).toBe(firstIndex + k);
    expect(r.app).toBe(`t${String(firstIndex + k).padStart(4, '0')}.com`);
    expect(r.top).toBe(k * 38);
  });
  return rows;
}

/** A Squid log of one app, Dropbox, used by `n` users from as many addresses. */
function popularApp(n: number): string {
  const file = join(dir, 'popular-app.log');
  const start = Date.UTC(2026, 9, 1) / 1000;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(
      `${start + i * 7}.000    120 10.1.${i >> 8}.${i & 255} TCP_TUNNEL/200 ${1000 + i} CONNECT www.dropbox.com:443 user${i} HIER_DIRECT/192.0.2.1 -`,
    );
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('virtualized tables', () => {
  it('shows every row in its place as the table is scrolled, by jumps and by small steps', async () => {
    const page = await openSortedApps();
    const scroller = page.getByRole('region', { name: 'Apps' }).locator('.scroller');
    expect((await expectInPlace(page))[0].app).toBe('t0000.com');
    // A jump far down (rows fetched from the worker, every row element reused for another row).
    await scroller.evaluate((el) => {
      el.scrollTop = 1234 * 38;
    });
    expect((await expectInPlace(page))[0].app).toBe('t1234.com');
    // Small steps down, as a wheel scrolls, then up past where it started: some rows change, most stay.
    for (const [steps, px] of [
      [25, 57],
      [40, -95],
    ]) {
      await scroller.evaluate(
        async (el, [n, by]) => {
          for (let i = 0; i < n; i++) {
            el.scrollTop += by;
            await new Promise((r) => requestAnimationFrame(() => r(null)));
          }
        },
        [steps, px],
      );
      await expectInPlace(page);
    }
    // The last rows (the window shorter than the rows rendered at once), and nothing after them.
    await scroller.evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    expect((await expectInPlace(page)).at(-1)?.app).toBe(`t${APPS - 1}.com`);
    await scroller.evaluate((el) => {
      el.scrollTop -= 5 * 38;
    });
    await expectInPlace(page);
    await screenshot(page, 'tables-scrolled-to-end');
  });

  it('moves one tab stop through the rows with the arrow, Page, Home and End keys, and opens the row with Enter', async () => {
    const page = await openSortedApps();
    const apps = page.getByRole('region', { name: 'Apps' });
    const rows = apps.locator('tbody tr.row');
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        const box = el.getBoundingClientRect();
        const scroller = el.closest('.scroller') as HTMLElement;
        // Whole, between the sticky header and the bottom of the scroller's client area.
        const top = (scroller.querySelector('thead') as HTMLElement).getBoundingClientRect().bottom;
        const bottom = scroller.getBoundingClientRect().top + scroller.clientTop + scroller.clientHeight;
        return {
          index: Number(el.getAttribute('aria-rowindex')) - 2,
          app: el.querySelector('td')?.textContent ?? '',
          inView: box.top >= top - 1 && box.bottom <= bottom + 1,
        };
      });
    // One tab stop: the search box's Tab order reaches the rows once, at the first row.
    await expect(apps.locator('tbody tr[tabindex="0"]').count()).resolves.toBe(1);
    await rows.first().focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    await expect.poll(focused).toEqual({ index: 3, app: 't0003.com', inView: true });
    await page.keyboard.press('End');
    await expect.poll(focused).toEqual({ index: APPS - 1, app: `t${APPS - 1}.com`, inView: true });
    await expect(apps.locator('tbody tr[tabindex="0"]').count()).resolves.toBe(1);
    await page.keyboard.press('PageUp');
    await expect.poll(async () => (await focused()).index).toBeLessThan(APPS - 5);
    const up = await focused();
    expect(up).toEqual({ index: up.index, app: `t${String(up.index).padStart(4, '0')}.com`, inView: true });
    await page.keyboard.press('ArrowUp');
    await expect.poll(focused).toEqual({
      index: up.index - 1,
      app: `t${String(up.index - 1).padStart(4, '0')}.com`,
      inView: true,
    });
    await page.keyboard.press('Home');
    await expect.poll(focused).toEqual({ index: 0, app: 't0000.com', inView: true });
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await components(page).heading.filter({ hasText: 't0001.com' }).waitFor();
  });

  it('lists an app’s 5,000 users on its page without rendering them all, every one reachable', async () => {
    const users = 5000;
    session = await openApp(baseUrl);
    const { page } = session;
    const a = actions(page);
    const c = components(page);
    await a.waitForEngine();
    await a.openImport([popularApp(users)]);
    await c.importDialog.getByRole('region', { name: 'Preview' }).waitFor();
    await c.importDialog.getByRole('button', { name: 'Import', exact: true }).click();
    await c.importDialog.getByRole('region', { name: 'Import result' }).waitFor({ timeout: 60_000 });
    await c.importDialog.getByRole('button', { name: 'Done' }).click();
    await a.goTo('Discovered apps');
    await page.getByRole('region', { name: 'Apps' }).getByRole('cell', { name: 'Dropbox', exact: true }).click();
    await c.heading.filter({ hasText: 'Dropbox' }).waitFor();
    await page.getByRole('tab', { name: 'Users', exact: true }).click();
    const panel = page.getByRole('tabpanel', { name: 'Users' });
    const table = panel.getByRole('table');
    await expect.poll(() => table.getAttribute('aria-rowcount')).toBe(String(users + 1));
    await panel
      .getByRole('cell', { name: /^user\d+$/ })
      .first()
      .waitFor();
    expect(await panel.locator('tbody tr').count()).toBeLessThan(100);
    // Its header sorts it, most first, then least (names as people read them: user9 before user10).
    const header = panel.getByRole('columnheader', { name: /^User/ });
    const firstUser = () => panel.locator('tbody tr[aria-rowindex="2"] td').first().textContent();
    await header.getByRole('button').click();
    await expect.poll(() => header.getAttribute('aria-sort')).toBe('descending');
    await expect.poll(firstUser).toBe(`user${users - 1}`);
    await header.getByRole('button').click();
    await expect.poll(firstUser).toBe('user0');
    await expect(panel.locator('tbody tr[aria-rowindex="12"] td').first().textContent()).resolves.toBe('user10');
    // A column sorted later keeps room for its arrow: its header stays one line, as tall as Traffic's.
    const transactions = panel.getByRole('columnheader', { name: /^Transactions/ });
    await transactions.getByRole('button').click();
    await expect.poll(() => transactions.getAttribute('aria-sort')).toBe('descending');
    const height = async (name: RegExp) =>
      (await panel.getByRole('columnheader', { name }).boundingBox())?.height ?? Number.NaN;
    await expect.poll(() => height(/^Transactions/)).toBe(await height(/^Traffic/));
    await header.getByRole('button').click();
    await header.getByRole('button').click();
    await expect.poll(firstUser).toBe('user0');
    // Every user is there: the last row, scrolled to, is a user; its row opens the user's page.
    await panel.locator('.scroller').evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    const lastRow = panel.locator(`tbody tr[aria-rowindex="${users + 1}"]`);
    await lastRow.getByRole('cell', { name: /^user\d+$/ }).waitFor();
    const name = (await lastRow.getByRole('cell').first().textContent()) ?? '';
    expect(name).toBe(`user${users - 1}`);
    await screenshot(page, 'tables-app-users');
    await lastRow.click();
    await c.heading.filter({ hasText: name }).waitFor();
  });
});
