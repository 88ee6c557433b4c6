// Crash logging as plain functions: the log-line format, and a logger that never throws.
import { describe, expect, it } from 'vitest';
import { createErrorLogger, describeThrown, formatErrorLine } from './error-log';

const AT = new Date(Date.UTC(2026, 0, 9, 15, 4, 5, 678));

describe('error log lines', () => {
  it('starts each entry with its time and kind, and indents the rest of a stack', () => {
    const e = new Error('boom');
    e.stack = 'Error: boom\n    at f (main.js:1:1)\n    at g (main.js:2:2)';
    expect(formatErrorLine('uncaughtException', e, AT)).toBe(
      '2026-01-09T15:04:05.678Z uncaughtException: Error: boom\n' +
        '      at f (main.js:1:1)\n' +
        '      at g (main.js:2:2)\n',
    );
  });

  it('keeps every line but the first indented, whatever the line endings', () => {
    const line = formatErrorLine('unhandledRejection', 'first\r\nsecond\rthird\nfourth', AT);
    expect(line.split('\n')).toEqual([
      '2026-01-09T15:04:05.678Z unhandledRejection: first',
      '  second',
      '  third',
      '  fourth',
      '',
    ]);
  });

  it('describes whatever was thrown or rejected, without throwing itself', () => {
    const noStack = new TypeError('bad');
    noStack.stack = undefined;
    expect(describeThrown(noStack)).toBe('TypeError: bad');
    expect(describeThrown('crashed')).toBe('crashed');
    expect(describeThrown(undefined)).toBe('undefined');
    expect(describeThrown(null)).toBe('null');
    expect(describeThrown(42n)).toBe('42');
    expect(describeThrown({ code: 'EPIPE', errno: -32 })).toBe('{"code":"EPIPE","errno":-32}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(describeThrown(cyclic)).toBe('[object Object]');
    expect(describeThrown(Object.create(null))).toBe('{}');
    const bare = Object.create(null) as Record<string, unknown>;
    bare.n = 1n;
    expect(describeThrown(bare)).toBe('[unprintable object]');
    expect(describeThrown(Symbol('s'))).toBe('Symbol(s)');
  });

  it('follows causes a few levels deep', () => {
    const root = new Error('disk full');
    root.stack = 'Error: disk full';
    const mid = new Error('spool write failed', { cause: root });
    mid.stack = 'Error: spool write failed';
    const top = new Error('import failed', { cause: mid });
    top.stack = 'Error: import failed';
    expect(describeThrown(top)).toBe(
      'Error: import failed\nCaused by: Error: spool write failed\nCaused by: Error: disk full',
    );
    const withValue = new Error('x', { cause: { status: 507 } });
    withValue.stack = 'Error: x';
    expect(describeThrown(withValue)).toBe('Error: x\nCaused by: {"status":507}');
  });
});

describe('error logger', () => {
  it('appends the entry to the log file and shows it with where it was logged', () => {
    const written: [string, string][] = [];
    const shown: [string, string][] = [];
    const log = createErrorLogger({
      file: () => '/data/cloudscope-errors.log',
      append: (f, t) => written.push([f, t]),
      canShow: () => true,
      show: (title, body) => shown.push([title, body]),
      now: () => AT,
    });
    log('render-process-gone', 'crashed (exit code 133)');
    const line = '2026-01-09T15:04:05.678Z render-process-gone: crashed (exit code 133)\n';
    expect(written).toEqual([['/data/cloudscope-errors.log', line]]);
    expect(shown).toEqual([['Cloudscope hit an error', `${line}\nLogged to /data/cloudscope-errors.log`]]);
  });

  it('still tells the analyst when the log cannot be written, and never throws', () => {
    const shown: string[] = [];
    const log = createErrorLogger({
      file: () => '/read-only/cloudscope-errors.log',
      append: () => {
        throw new Error('EROFS');
      },
      canShow: () => true,
      show: (_t, body) => shown.push(body),
      now: () => AT,
    });
    expect(() => log('uncaughtException', new Error('x'))).not.toThrow();
    expect(shown[0]).toContain('The error log could not be written.');
    const quiet = createErrorLogger({
      file: () => '/x.log',
      append: () => {},
      canShow: () => false,
      show: () => {
        throw new Error('dialogs are not ready');
      },
    });
    expect(() => quiet('uncaughtException', 'early')).not.toThrow();
  });
});
