/**
 * Web mode's live collector: the collector's HTTP API mounted on the web-mode
 * server (same loopback port), plus the one route that hands the page its token.
 *
 * GET /api/collector/session answers `{ token, batchesUrl, tokenFile, syslog, folder }`
 * only to a same-origin request: the Host and Origin checks of every route
 * (no DNS rebinding, no cross-site page), plus `Sec-Fetch-Site: same-origin`
 * whenever the browser sends it — so typing the address into the URL bar, a
 * link, or a cross-site fetch get 403, and the token never appears in a URL,
 * a page a user navigates to, or any cache (`no-store`). See docs/SECURITY.md.
 *
 * The page then uses the token as `Authorization: Bearer …` for the pull API
 * (pending, batch bytes, ack) and reads the event stream with fetch() rather
 * than EventSource, which cannot send that header.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Collector, type CollectorOptions } from '../collector/collector';
import { isAllowedRequest, sendJson } from '../collector/http-api';
import type { ApiHandler } from './server';

export const SESSION_PATH = '/api/collector/session';

/** `$CLOUDSCOPE_DATA_DIR`, else `~/.cloudscope`. */
export function webDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.CLOUDSCOPE_DATA_DIR?.trim();
  return fromEnv ? fromEnv : join(homedir(), '.cloudscope');
}

export function isSameOriginFetch(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin';
}

export function createSessionHandler(collector: Collector): ApiHandler {
  return (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (url.pathname !== SESSION_PATH) return false;
    if (req.method !== 'GET') {
      sendJson(res, 405, { error: 'Use GET.' }, { Allow: 'GET' });
      return true;
    }
    if (!isAllowedRequest(req) || !isSameOriginFetch(req)) {
      collector.stats.refuse('forbidden');
      sendJson(res, 403, { error: 'The collector session is handed only to the page this server served.' });
      return true;
    }
    const s = collector.status();
    sendJson(res, 200, {
      token: collector.token,
      // Host was checked against this listener above, so it is safe to echo.
      batchesUrl: `http://${req.headers.host}/api/collector/batches`,
      tokenFile: collector.tokenFile,
      syslog: s.syslog,
      folder: s.folder,
    });
    return true;
  };
}

export interface WebCollector {
  collector: Collector;
  /** Handlers for startWebServer's `api` option, session route first. */
  api: ApiHandler[];
}

export async function startWebCollector(opts: CollectorOptions): Promise<WebCollector> {
  const collector = await Collector.start(opts);
  return {
    collector,
    api: [createSessionHandler(collector), (req, res, url) => collector.api.handle(req, res, url)],
  };
}
