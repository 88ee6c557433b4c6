/**
 * Crash logging: uncaught exceptions, unhandled rejections and a gone renderer
 * are appended to `cloudscope-errors.log` in the user-data folder and shown in
 * a dialog — never a silent white window. The formatter and the logger are
 * plain functions over injected file and dialog access, tested without Electron.
 */

export const ERROR_LOG_NAME = 'cloudscope-errors.log';
const MAX_CAUSES = 3;

/** Anything thrown or rejected as text, whatever it is; never throws itself. */
export function describeThrown(e: unknown): string {
  if (e instanceof Error) {
    let text = e.stack ?? `${e.name}: ${e.message}`;
    let cause: unknown = e.cause;
    for (let depth = 0; cause !== undefined && depth < MAX_CAUSES; depth++) {
      text += `\nCaused by: ${cause instanceof Error ? (cause.stack ?? `${cause.name}: ${cause.message}`) : describeValue(cause)}`;
      cause = cause instanceof Error ? cause.cause : undefined;
    }
    return text;
  }
  return describeValue(e);
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v !== null && typeof v === 'object') {
    try {
      const json = JSON.stringify(v);
      if (json !== undefined) return json;
    } catch {
      // cycles, BigInts inside: fall through to String
    }
  }
  try {
    return String(v);
  } catch {
    // an object without a prototype has no toString
    return `[unprintable ${typeof v}]`;
  }
}

/**
 * One log entry: `<ISO time> <kind>: <first line>`, further lines (a stack)
 * indented by two spaces so every entry, and only an entry, starts a line
 * with its time stamp. Ends with a newline.
 */
export function formatErrorLine(kind: string, e: unknown, at: Date): string {
  const [first, ...rest] = describeThrown(e).split(/\r\n|\r|\n/);
  const body = [first, ...rest.map((l) => `  ${l}`)].join('\n');
  return `${at.toISOString()} ${kind}: ${body}\n`;
}

export interface ErrorLoggerDeps {
  /** The log file's path (the user-data folder is known only once Electron has started). */
  file(): string;
  append(file: string, text: string): void;
  /** Whether a dialog can be shown yet (Electron dialogs need a ready app). */
  canShow(): boolean;
  show(title: string, body: string): void;
  now?: () => Date;
}

export function createErrorLogger(deps: ErrorLoggerDeps): (kind: string, e: unknown) => void {
  return (kind, e) => {
    const line = formatErrorLine(kind, e, deps.now?.() ?? new Date());
    let where: string;
    try {
      where = deps.file();
      deps.append(where, line);
    } catch {
      // The log failing must not crash the app; the dialog still says what happened.
      where = '';
    }
    if (!deps.canShow()) return;
    try {
      deps.show(
        'Cloudscope hit an error',
        where ? `${line}\nLogged to ${where}` : `${line}\nThe error log could not be written.`,
      );
    } catch {
      /* nothing left to tell the analyst with */
    }
  };
}
