import { describe, expect, it } from 'vitest';
import { type CsvRecord, CsvStream } from './csv-stream';

function readAll(chunks: string[]): CsvRecord[] {
  const s = new CsvStream();
  const out: CsvRecord[] = [];
  for (const c of chunks) s.push(c, (r) => out.push(r));
  s.end((r) => out.push(r));
  return out;
}

describe('CsvStream', () => {
  const text = 'a,b,c\n1,"x, y",3\r\n4,"multi\nline",6\n7,8,9';
  it('reads records with line numbers in one chunk', () => {
    const recs = readAll([text]);
    expect(recs.map((r) => r.fields)).toEqual([
      ['a', 'b', 'c'],
      ['1', 'x, y', '3'],
      ['4', 'multi\nline', '6'],
      ['7', '8', '9'],
    ]);
    expect(recs.map((r) => r.line)).toEqual([1, 2, 3, 5]);
  });
  it('gives the same records for every split point', () => {
    const whole = readAll([text]);
    for (let i = 1; i < text.length; i++) {
      expect(readAll([text.slice(0, i), text.slice(i)])).toEqual(whole);
    }
  });
});
