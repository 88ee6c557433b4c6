import { afterEach, describe, expect, inject, it } from 'vitest';
import { actions, components, NAV_LINKS } from './app-page';
import { openApp, type Session, screenshot } from './browser';

const baseUrl = inject('baseUrl');
let session: Session | null = null;

afterEach(async () => {
  await session?.close();
  session = null;
});

describe('the app shell in Chromium', () => {
  for (const scheme of ['light', 'dark'] as const) {
    it(`renders every route with its empty state (${scheme} theme)`, async () => {
      session = await openApp(baseUrl, { colorScheme: scheme });
      const { page } = session;
      const c = components(page);
      const a = actions(page);
      await a.waitForEngine();
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(scheme);
      for (const name of NAV_LINKS) {
        await a.goTo(name);
        await expect(c.navLink(name).getAttribute('aria-current')).resolves.toBe('page');
        await expect(c.importButton.isVisible()).resolves.toBe(true);
        await screenshot(page, `route-${name.toLowerCase().replace(/\s+/g, '-')}-${scheme}`);
      }
      await a.goTo('Dashboard');
      await expect(c.emptyState.isVisible()).resolves.toBe(true);
      expect(session.errors).toEqual([]);
    });
  }

  it('reaches every navigation link by keyboard', async () => {
    session = await openApp(baseUrl);
    const { page } = session;
    await actions(page).waitForEngine();
    const focused: string[] = [];
    for (let i = 0; i < 12 && focused.length < NAV_LINKS.length; i++) {
      await page.keyboard.press('Tab');
      const text = await page.evaluate(() => (document.activeElement as HTMLElement | null)?.innerText?.trim() ?? '');
      if ((NAV_LINKS as readonly string[]).includes(text)) focused.push(text);
    }
    expect(focused).toEqual([...NAV_LINKS]);
    await page.keyboard.press('Enter');
    await components(page).heading.filter({ hasText: 'Settings' }).waitFor();
  });

  it('opens the database in the worker and runs a cancellable job with progress', async () => {
    session = await openApp(baseUrl);
    const { page } = session;
    const a = actions(page);
    await a.waitForEngine();
    await a.goTo('Data sources');
    await expect(page.getByTestId('engine-state').innerText()).resolves.toBe('ready');
    await expect(page.getByRole('cell', { name: /cloudscope \(schema v\d+\)/ }).isVisible()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Run engine self-test' }).click();
    const bar = page.getByRole('progressbar', { name: 'Engine self-test progress' });
    await page.waitForFunction(() => {
      const el = document.querySelector('[role="progressbar"]');
      return Number(el?.getAttribute('aria-valuenow') ?? 0) > 0;
    });
    await screenshot(page, 'job-progress');
    expect(Number(await bar.getAttribute('aria-valuenow'))).toBeGreaterThan(0);
    await components(page).jobs.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByTestId('selftest-result').innerText()).resolves.toContain('cancelled');
  });

  it('opens the import dialog from the header', async () => {
    session = await openApp(baseUrl);
    const { page } = session;
    const c = components(page);
    await actions(page).waitForEngine();
    await c.importButton.click();
    await c.importDialog.waitFor();
    await screenshot(page, 'import-dialog');
    await expect(c.importDialog.getByRole('button', { name: 'Import', exact: true }).isDisabled()).resolves.toBe(true);
    await page.keyboard.press('Escape');
    await c.importDialog.waitFor({ state: 'hidden' });
  });
});
