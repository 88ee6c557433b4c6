import { describe, expect, it } from 'vitest';
import { formatTime, formatUtc } from './format';
import { cellClass, cellText, historyColumns, nextSort, shownRow, sortedRows } from './table-rows';

describe('table rows', () => {
  it('formats each kind of cell for people, saying what is not known', () => {
    expect(cellText(3412, 'count')).toBe('3,412');
    expect(cellText(null, 'bytes')).toBe('n/a');
    expect(cellText(1536, 'bytes')).toBe('1.5 KB');
    expect(cellText(7.25, 'score')).toBe('7.3');
    expect(cellText(null, 'score')).toBe('—');
    expect(cellText(['Sanctioned', 'Custom app'], 'tags')).toBe('Sanctioned, Custom app');
    expect(cellText(undefined, 'tags')).toBe('');
    expect(cellText(null, 'risk')).toBe('—');
    expect(cellText(undefined, 'text')).toBe('');
  });

  it('gives a time its UTC on hover and a name the whole of it, and figures and levels their classes', () => {
    const t = Date.UTC(2026, 8, 7, 15, 52);
    const columns = historyColumns('User');
    const shown = shownRow(
      { value: 'ana@example.com', firstSeen: t, lastSeen: t, transactions: 12, traffic: null },
      columns,
    );
    expect(shown.cells).toEqual(['ana@example.com', formatTime(t), formatTime(t), '12', 'n/a']);
    expect(shown.titles).toEqual(['ana@example.com', formatUtc(t), formatUtc(t), undefined, undefined]);
    expect(cellClass(columns[3], '12')).toBe('num');
    expect(cellClass({ key: 'riskLevel', label: 'Risk level', kind: 'risk' }, 'High')).toBe('risk-High');
    expect(cellClass(columns[0], 'ana@example.com')).toBeUndefined();
    // One array per first column, so a table given it on every render keeps its widths.
    expect(historyColumns('User')).toBe(columns);
    expect(historyColumns('Device')).not.toBe(columns);
  });

  it('sorts rows in hand by a field, unknown values last either way, names as people read them', () => {
    const rows = [
      { value: 'user10', traffic: 5 },
      { value: 'user9', traffic: null },
      { value: 'User2', traffic: 7 },
    ];
    expect(sortedRows(rows, 'value', 'asc').map((r) => r.value)).toEqual(['User2', 'user9', 'user10']);
    expect(sortedRows(rows, 'traffic', 'desc').map((r) => r.traffic)).toEqual([7, 5, null]);
    expect(sortedRows(rows, 'traffic', 'asc').map((r) => r.traffic)).toEqual([5, 7, null]);
    expect(rows[0].value).toBe('user10');
  });

  it('sorts a column most first on its first click, then the other way round', () => {
    expect(nextSort(null, 'traffic')).toEqual({ key: 'traffic', dir: 'desc' });
    expect(nextSort({ key: 'traffic', dir: 'desc' }, 'traffic')).toEqual({ key: 'traffic', dir: 'asc' });
    expect(nextSort({ key: 'traffic', dir: 'asc' }, 'traffic')).toEqual({ key: 'traffic', dir: 'desc' });
    expect(nextSort({ key: 'traffic', dir: 'asc' }, 'users')).toEqual({ key: 'users', dir: 'desc' });
  });
});
