import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { type RunningServer, startWebServer } from '../electron/web/server';

let server: RunningServer | null = null;

export async function setup(project: TestProject): Promise<void> {
  const root = join(process.cwd(), 'dist/web');
  if (!existsSync(join(root, 'index.html')))
    throw new Error('dist/web is missing: run "npm run build" before the browser tests');
  server = await startWebServer({ root, port: 0 });
  project.provide('baseUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.close();
}

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}
