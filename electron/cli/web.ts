/**
 * `npm run web`: serves the built app on 127.0.0.1 for any browser.
 * Options: --port N (default 5178; 0 = any free port).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startWebServer } from '../web/server';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../web');

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const i = args.indexOf('--port');
  const port = i >= 0 ? Number(args[i + 1]) : Number(process.env.CLOUDSCOPE_PORT ?? 5178);
  if (!existsSync(join(root, 'index.html'))) {
    console.error(`The web app is not built (${root} is missing): run "npm run build" first.`);
    process.exit(1);
  }
  const s = await startWebServer({ root, port }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EADDRINUSE') {
      console.error(
        `Port ${port} is in use: run "npm run web -- --port 0" for any free port, or stop the other server.`,
      );
      process.exit(1);
    }
    throw e;
  });
  console.log(`Cloudscope (web mode) at ${s.url}`);
  const stop = () => s.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
