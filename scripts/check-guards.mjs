// Guards a linter doesn't cover: no focused or skipped tests left behind, and
// no stray console.log in shipped code (tests, benches and CLIs may print).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' })
  .split('\n')
  .filter((f) => /\.(ts|vue|mjs)$/.test(f) && !f.includes('node_modules/') && !f.startsWith('scripts/check-guards'));
const problems = [];
for (const f of files) {
  let text;
  try {
    text = readFileSync(f, 'utf8');
  } catch {
    continue;
  }
  const isTest = /\.(test|e2e)\.ts$/.test(f);
  if (isTest && /\b(it|test|describe)\.(only|skip|todo)\s*\(|\b(fit|fdescribe|xit|xdescribe)\s*\(/.test(text)) {
    problems.push(`${f}: focused or skipped test (.only/.skip/.todo)`);
  }
  const mayPrint =
    isTest || /^(bench|scripts|e2e)\//.test(f) || /^electron\/(cli|web)\//.test(f) || /\.test\.ts$/.test(f);
  if (!mayPrint && /\bconsole\.log\(/.test(text)) problems.push(`${f}: console.log in shipped code`);
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
