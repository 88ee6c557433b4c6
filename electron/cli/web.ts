/**
 * `npm run web`: serves the built app on 127.0.0.1 for any browser, with the
 * live collector mounted on the same loopback port.
 * Options: --port N (default 5178; 0 = any free port),
 *          --data-dir DIR (collector token and spool; default $CLOUDSCOPE_DATA_DIR or ~/.cloudscope),
 *          --syslog-port N (syslog over TCP on 127.0.0.1; default 5514, any free port if taken; 0 = any),
 *          --no-syslog (no syslog listener),
 *          --watch DIR (a folder of rotated log files to import as they land),
 *          --no-collector (serve the app only).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startWebCollector, type WebCollector, webDataDir } from '../web/collector-api';
import { startWebServer } from '../web/server';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../web');
const DEFAULT_SYSLOG_PORT = 5514;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) {
    console.error(`${name} needs a value.`);
    process.exit(2);
  }
  return v;
}

async function startCollector(args: string[]): Promise<WebCollector | null> {
  if (args.includes('--no-collector')) return null;
  const dataDir = option(args, '--data-dir') ?? webDataDir();
  const syslogArg = option(args, '--syslog-port');
  const syslogPort = syslogArg === undefined ? DEFAULT_SYSLOG_PORT : Number(syslogArg);
  if (!Number.isInteger(syslogPort) || syslogPort < 0 || syslogPort > 65535) {
    console.error(`--syslog-port: "${syslogArg}" is not a port number.`);
    process.exit(2);
  }
  const watch = option(args, '--watch');
  const syslogOn = !args.includes('--no-syslog');
  const start = (port: number) =>
    startWebCollector({ dataDir, syslog: syslogOn ? { port } : null, folder: watch ? { path: watch } : null });
  try {
    return await start(syslogPort);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE' && syslogArg === undefined) {
      console.error(`Syslog port ${syslogPort} is in use: listening on a free port instead.`);
      return start(0);
    }
    throw e;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const i = args.indexOf('--port');
  const port = i >= 0 ? Number(args[i + 1]) : Number(process.env.CLOUDSCOPE_PORT ?? 5178);
  if (!existsSync(join(root, 'index.html'))) {
    console.error(`The web app is not built (${root} is missing): run "npm run build" first.`);
    process.exit(1);
  }
  const live = await startCollector(args).catch((e: Error) => {
    console.error(`The live collector could not start: ${e.message}`);
    process.exit(1);
  });
  const s = await startWebServer({ root, port, api: live?.api }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EADDRINUSE') {
      console.error(
        `Port ${port} is in use: run "npm run web -- --port 0" for any free port, or stop the other server.`,
      );
      process.exit(1);
    }
    throw e;
  });
  console.log(`Cloudscope (web mode) at ${s.url}`);
  if (live) {
    const batches = `${s.url}api/collector/batches`;
    live.collector.setBatchesUrl(batches);
    const st = live.collector.status();
    console.log(`Live collector: ${batches} token file: ${live.collector.tokenFile}`);
    if (st.syslog)
      console.log(`Syslog over TCP (newline-framed CEF, Squid, FortiGate): ${st.syslog.host}:${st.syslog.port}`);
    if (st.folder) console.log(`Watched folder: ${st.folder.path}`);
    if (st.spool.batches > 0) console.log(`${st.spool.batches} batches wait in the spool for the app to import them.`);
  }
  const stop = async () => {
    await live?.collector.close();
    await s.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

void main();
