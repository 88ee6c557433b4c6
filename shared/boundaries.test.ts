// The layering rule "shared/ runs in a browser worker and in Node" is enforced by
// the compiler: shared's TypeScript project has no DOM lib and no Node types.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const root = process.cwd();
const dir = mkdtempSync(join(tmpdir(), 'cloudscope-boundary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function diagnosticsFor(code: string): string[] {
  const file = join(dir, `probe-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, code);
  const cfg = ts.readConfigFile(join(root, 'tsconfig.shared.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(cfg.config, ts.sys, root);
  const program = ts.createProgram([file], { ...parsed.options, noEmit: true, composite: false, declaration: false });
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === file)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('the shared project refuses browser-page and Node globals', () => {
  it.each([
    ['window', 'export const w = window.location.href;'],
    ['document', "export const d = document.createElement('div');"],
    ['Buffer', "export const b = Buffer.from('x');"],
  ])('%s is a type error in shared/', (name, code) => {
    const errors = diagnosticsFor(code);
    expect(errors.join('\n')).toContain(`Cannot find name '${name}'`);
  });

  it('accepts what workers and Node both have (web streams, AbortSignal, TextDecoder)', () => {
    const errors = diagnosticsFor(
      'export const x = [new TextDecoder(), new AbortController().signal, new ReadableStream<Uint8Array>()];',
    );
    expect(errors).toEqual([]);
  });
});
