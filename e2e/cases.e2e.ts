// Investigations: a new case starts empty, keeps its own data, backs up to one file and restores into a new case.
import { resolve } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { actions, components } from './app-page';
import { openApp, type Session, screenshot } from './browser';

const baseUrl = inject('baseUrl');
const SQUID = resolve('shared/formats/fixtures/squid/test-access-extensive.log');
let session: Session | null = null;
afterEach(async () => {
  await session?.close();
  session = null;
});

describe('investigations', () => {
  it('separates data per case and restores a backup into a new case', async () => {
    session = await openApp(baseUrl);
    const { page } = session;
    const a = actions(page);
    const c = components(page);
    await a.waitForEngine();
    await a.goTo('Data sources');
    const cases = page.getByRole('region', { name: 'Investigations' });
    await cases.getByText(/^Default investigation/).waitFor();
    await cases.getByRole('textbox', { name: 'New investigation name' }).fill('Phishing wave');
    await cases.getByRole('button', { name: 'New investigation' }).click();
    await page.getByRole('link', { name: 'Phishing wave' }).waitFor();

    await actions(page).openImport([SQUID]);
    await c.importDialog.getByRole('region', { name: 'Preview' }).waitFor();
    await c.importDialog.getByRole('button', { name: 'Import', exact: true }).click();
    await c.importDialog.getByRole('region', { name: 'Import result' }).waitFor();
    await c.importDialog.getByRole('button', { name: 'Done' }).click();

    const download = page.waitForEvent('download');
    await cases.getByRole('button', { name: 'Back up this investigation' }).click();
    const backup = await download;
    expect(backup.suggestedFilename()).toMatch(/\.cloudscope-case\.zip$/);
    const backupPath = (await backup.path()) as string;

    // The default case does not see the other case's data.
    await cases.getByRole('button', { name: 'Open Default investigation' }).click();
    await page.getByRole('link', { name: 'Default investigation' }).waitFor();
    await a.goTo('Dashboard');
    await c.emptyState.waitFor();

    await a.goTo('Data sources');
    const chooser2 = page.waitForEvent('filechooser');
    await cases.getByRole('button', { name: 'Restore from a backup…' }).click();
    await (await chooser2).setFiles([backupPath]);
    await page.getByRole('link', { name: /Phishing wave \(restored\)/ }).waitFor();
    await page
      .getByRole('region', { name: /Data source / })
      .first()
      .waitFor();
    await screenshot(page, 'cases');
    await a.goTo('Dashboard');
    const tx = page
      .locator('.kpi')
      .filter({ has: page.getByText('Transactions', { exact: true }) })
      .locator('dd');
    await tx.waitFor();
    expect(Number((await tx.textContent())?.replace(/,/g, ''))).toBeGreaterThan(0);
    expect(session.errors).toEqual([]);
  });
});
