import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startWebCollector, type WebCollector } from '../electron/web/collector-api';
import { type RunningServer, startWebServer } from '../electron/web/server';

let server: RunningServer | null = null;
let live: WebCollector | null = null;
const dataDir = mkdtempSync(join(tmpdir(), 'cloudscope-e2e-data-'));

export async function setup(project: TestProject): Promise<void> {
  const root = join(process.cwd(), 'dist/web');
  if (!existsSync(join(root, 'index.html')))
    throw new Error('dist/web is missing: run "npm run build" before the browser tests');
  // The same loopback collector `npm run web` hosts, with a throwaway data folder.
  live = await startWebCollector({ dataDir, syslog: null, folder: null });
  server = await startWebServer({ root, port: 0, api: live.api });
  live.collector.setBatchesUrl(`${server.url}api/collector/batches`);
  project.provide('baseUrl', server.url);
  project.provide('collectorTokenFile', live.collector.tokenFile);
}

export async function teardown(): Promise<void> {
  await server?.close();
  await live?.collector.close();
  rmSync(dataDir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    collectorTokenFile: string;
  }
}
