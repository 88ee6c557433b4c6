/**
 * Locators (what the analyst sees, by role and accessible name) kept apart
 * from actions (what the analyst does), so tests read as user stories.
 */
import type { Page } from 'playwright-core';

export const NAV_LINKS = [
  'Dashboard',
  'Discovered apps',
  'IP addresses',
  'Users',
  'Machines',
  'Data sources',
  'Settings',
] as const;

export const components = (page: Page) => ({
  nav: page.getByRole('navigation', { name: 'Main' }),
  navLink: (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }),
  heading: page.getByRole('heading', { level: 1 }),
  importButton: page.getByRole('button', { name: 'Import telemetry' }).first(),
  importDialog: page.getByRole('dialog', { name: 'Import telemetry' }),
  engineReady: page.getByText('Engine ready'),
  emptyState: page.getByText('No telemetry yet — import a file or start the live collector'),
  jobs: page.getByRole('region', { name: 'Jobs' }),
});

export const actions = (page: Page) => {
  const c = components(page);
  return {
    async goTo(name: string) {
      await c.navLink(name).click();
      await c.heading.filter({ hasText: name }).waitFor();
    },
    async waitForEngine() {
      await c.engineReady.waitFor({ timeout: 30_000 });
    },
    /** Picks files through the open import dialog's own chooser. */
    async chooseFiles(files: string[]) {
      const chooser = page.waitForEvent('filechooser');
      await c.importDialog.getByRole('button', { name: 'Choose files…' }).click();
      await (await chooser).setFiles(files);
    },
    /** Opens the import dialog from the header and picks files in it. */
    async openImport(files: string[]) {
      await c.importButton.click();
      await c.importDialog.waitFor();
      await this.chooseFiles(files);
    },
  };
};
