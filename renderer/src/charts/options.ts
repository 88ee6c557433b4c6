/**
 * ECharts options as pure functions of data and theme (testable without a DOM).
 * Colours come from the theme so charts read well in light and dark.
 */
import { DEFAULT_RISK_PARAMS } from '../../../shared/domain/risk-params';
import type { DayPoint } from '../../../shared/engine/views';
import { formatBytes, formatCount } from '../services/format';

export interface ChartTheme {
  text: string;
  /** A tooltip's background (the theme's card surface). */
  surface: string;
  muted: string;
  grid: string;
  accent: string;
  palette: string[];
}

export const LIGHT: ChartTheme = {
  text: '#172033',
  surface: '#ffffff',
  muted: '#5b6679',
  grid: '#e1e5ec',
  accent: '#2563eb',
  palette: ['#2563eb', '#0ea5a4', '#f59e0b', '#ef4444', '#8b5cf6', '#10b981', '#64748b'],
};
export const DARK: ChartTheme = {
  text: '#e6ebf2',
  surface: '#1c232d',
  muted: '#97a2b3',
  grid: '#2a3240',
  accent: '#4c8dff',
  palette: ['#4c8dff', '#2dd4bf', '#fbbf24', '#f87171', '#a78bfa', '#34d399', '#94a3b8'],
};

export interface BarItem {
  label: string;
  value: number;
}

const base = (t: ChartTheme) => ({
  animation: false,
  textStyle: { color: t.text, fontFamily: 'inherit' },
  grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
});

/** Tooltips in the theme's colours (ECharts draws them light on every page otherwise). */
const tip = (t: ChartTheme) => ({
  backgroundColor: t.surface,
  borderColor: t.grid,
  textStyle: { color: t.text, fontFamily: 'inherit' },
});

/** A tooltip's value as people read it (a day without a value shows as a dash, as ECharts does). */
const countText = (v: unknown) => (typeof v === 'number' ? formatCount(v) : '-');
const bytesText = (v: unknown) => (typeof v === 'number' ? formatBytes(v) : '-');

/** Horizontal bars, biggest on top. */
export function barOption(items: BarItem[], t: ChartTheme, unit: 'count' | 'bytes' = 'count') {
  const fmt = (v: number) => (unit === 'bytes' ? formatBytes(v) : formatCount(v));
  const rows = [...items].reverse();
  return {
    ...base(t),
    tooltip: { ...tip(t), trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: number) => fmt(v) },
    xAxis: {
      type: 'value',
      // Counts tick in whole numbers: an app with one user must not show "0.2" users on the axis.
      minInterval: unit === 'count' ? 1 : 0,
      axisLabel: { color: t.muted, formatter: (v: number) => fmt(v) },
      splitLine: { lineStyle: { color: t.grid } },
    },
    yAxis: {
      type: 'category',
      data: rows.map((r) => r.label),
      axisLabel: { color: t.text, width: 140, overflow: 'truncate' },
      axisLine: { lineStyle: { color: t.grid } },
    },
    series: [
      {
        type: 'bar',
        data: rows.map((r) => r.value),
        itemStyle: { color: t.accent, borderRadius: [0, 4, 4, 0] },
        barMaxWidth: 18,
      },
    ],
  };
}

/** Daily transactions as bars, with upload/download lines when the source has bytes. */
/**
 * Daily transactions (and bytes); for an entity's page, `against` adds its baseline (the median its risk compares a
 * day with) as a dashed line and marks the days of its anomalies on their bars (H, M, L by severity).
 */
export function timelineOption(
  points: DayPoint[],
  t: ChartTheme,
  withBytes: boolean,
  against?: { baseline: (number | null)[]; anomalies: { day: number; severity: string }[] },
) {
  const days = points.map((p) => new Date(p.day).toISOString().slice(0, 10));
  const severityColor: Record<string, string> = { High: t.palette[3], Medium: t.palette[2], Low: t.palette[5] };
  const marked = new Map<number, string>();
  const rank = (s: string) => ['Low', 'Medium', 'High'].indexOf(s);
  for (const a of against?.anomalies ?? []) {
    const was = marked.get(a.day);
    if (was === undefined || rank(a.severity) > rank(was)) marked.set(a.day, a.severity);
  }
  const series: unknown[] = [
    {
      name: 'Transactions',
      type: 'bar',
      data: points.map((p) => p.transactions),
      itemStyle: { color: t.palette[0] },
      tooltip: { valueFormatter: countText },
      barMaxWidth: 24,
      ...(marked.size
        ? {
            markPoint: {
              symbol: 'pin',
              symbolSize: 34,
              label: { color: '#fff', fontSize: 11, formatter: (m: { name: string }) => m.name.slice(0, 1) },
              data: points.flatMap((p, i) => {
                const s = marked.get(p.day);
                return s ? [{ name: s, coord: [days[i], p.transactions], itemStyle: { color: severityColor[s] } }] : [];
              }),
            },
          }
        : {}),
    },
  ];
  if (against?.baseline.some((x) => x !== null)) {
    series.push({
      name: `Baseline (median of the previous ${DEFAULT_RISK_PARAMS.lookbackDays} days)`,
      type: 'line',
      data: against.baseline,
      connectNulls: false,
      showSymbol: false,
      lineStyle: { type: 'dashed', width: 2, color: t.palette[4] ?? t.muted },
      tooltip: { valueFormatter: countText },
      itemStyle: { color: t.palette[4] ?? t.muted },
    });
  }
  if (withBytes) {
    series.push(
      {
        name: 'Upload',
        type: 'line',
        yAxisIndex: 1,
        data: points.map((p) => p.upload),
        itemStyle: { color: t.palette[3] },
        tooltip: { valueFormatter: bytesText },
        showSymbol: false,
      },
      {
        name: 'Download',
        type: 'line',
        yAxisIndex: 1,
        data: points.map((p) => p.download),
        itemStyle: { color: t.palette[1] },
        tooltip: { valueFormatter: bytesText },
        showSymbol: false,
      },
    );
  }
  return {
    ...base(t),
    grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
    legend: { top: 0, textStyle: { color: t.muted } },
    tooltip: { ...tip(t), trigger: 'axis' },
    xAxis: { type: 'category', data: days, axisLabel: { color: t.muted }, axisLine: { lineStyle: { color: t.grid } } },
    yAxis: [
      {
        type: 'value',
        minInterval: 1,
        axisLabel: { color: t.muted, formatter: (v: number) => formatCount(v) },
        splitLine: { lineStyle: { color: t.grid } },
      },
      ...(withBytes
        ? [
            {
              type: 'value',
              axisLabel: { color: t.muted, formatter: (v: number) => formatBytes(v) },
              splitLine: { show: false },
            },
          ]
        : []),
    ],
    series,
  };
}

/** Apps by score band as a donut. */
export function donutOption(items: BarItem[], t: ChartTheme) {
  const colors = [t.palette[3], t.palette[2], t.palette[5], t.palette[6]];
  return {
    ...base(t),
    tooltip: { ...tip(t), trigger: 'item' },
    legend: { orient: 'vertical', right: 0, top: 'middle', textStyle: { color: t.text } },
    series: [
      {
        type: 'pie',
        radius: ['45%', '72%'],
        center: ['32%', '50%'],
        label: { show: false },
        data: items.map((i, k) => ({ name: i.label, value: i.value, itemStyle: { color: colors[k % colors.length] } })),
      },
    ],
  };
}
