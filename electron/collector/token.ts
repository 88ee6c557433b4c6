/**
 * The collector's per-install token: 32 random bytes as hex, created once in
 * the data folder with owner-only permissions, and compared in constant time.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const TOKEN_FILE_NAME = 'collector-token';
const TOKEN_RE = /^[0-9a-f]{64}$/;

export interface CollectorToken {
  token: string;
  path: string;
}

function isPosix(): boolean {
  return process.platform !== 'win32';
}

/**
 * Reads the token from `<dataDir>/collector-token`, creating the folder (0700)
 * and the file (0600) when missing. A file that does not hold a valid token is
 * refused rather than silently replaced: senders configured with the old token
 * would otherwise fail without a clue.
 */
export async function loadOrCreateToken(dataDir: string): Promise<CollectorToken> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, TOKEN_FILE_NAME);
  try {
    const fh = await open(path, 'wx', 0o600);
    const token = randomBytes(32).toString('hex');
    try {
      await fh.writeFile(`${token}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    return { token, path };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const token = (await readFile(path, 'utf8')).trim();
  if (!TOKEN_RE.test(token)) {
    throw new Error(`${path} does not hold a collector token (64 hex digits): delete it to create a new one`);
  }
  // A copied or restored file may have lost its mode; the token is a secret.
  if (isPosix() && ((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
  return { token, path };
}

/** Checks an `Authorization: Bearer <token>` header in constant time. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header) return false;
  const m = /^Bearer\s+([0-9a-fA-F]{64})\s*$/.exec(header);
  if (!m) return false;
  const given = Buffer.from(m[1].toLowerCase(), 'utf8');
  const expected = Buffer.from(token, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
