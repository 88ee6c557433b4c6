/**
 * Charts for the incident report as SVG text, drawn by ECharts' server-side
 * renderer (no DOM, no canvas: it runs in the engine worker and in Node), so
 * the report carries its charts inline and never needs the network. ECharts
 * escapes the label text it writes, so app names cannot break out of the SVG.
 */
import { BarChart } from 'echarts/charts';
import { GridComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([BarChart, GridComponent, SVGRenderer]);

export interface BarDatum {
  label: string;
  value: number;
  /** Bar colour; the chart's colour when absent. */
  color?: string;
}

export interface BarChartOptions {
  width: number;
  height: number;
  /** Horizontal bars (ranked lists) or vertical columns (a few categories). */
  orientation?: 'horizontal' | 'vertical';
  color?: string;
  /** Text on the value label of each bar. */
  format?: (v: number) => string;
}

const FONT = 'Segoe UI, Helvetica Neue, Arial, sans-serif';
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export type BarChartSvg = (data: readonly BarDatum[], opts: BarChartOptions) => string | null;

/** A bar chart as an `<svg>` element; null when there is nothing to draw or the renderer fails. */
export function barChartSvg(data: readonly BarDatum[], opts: BarChartOptions): string | null {
  if (data.length === 0) return null;
  const horizontal = (opts.orientation ?? 'horizontal') === 'horizontal';
  const format = opts.format ?? ((v: number) => v.toLocaleString('en-US'));
  const category = {
    type: 'category' as const,
    data: data.map((d) => clip(d.label, 28)),
    inverse: horizontal,
    axisTick: { show: false },
    axisLine: { lineStyle: { color: '#c9ced6' } },
    axisLabel: { color: '#3b4452', fontFamily: FONT, fontSize: 11 },
  };
  const value = {
    type: 'value' as const,
    show: !horizontal,
    splitLine: { lineStyle: { color: '#eef0f3' } },
    axisLabel: { color: '#6b7280', fontFamily: FONT, fontSize: 10 },
  };
  let chart: ReturnType<typeof echarts.init> | null = null;
  try {
    chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: opts.width, height: opts.height });
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: FONT },
      grid: {
        left: 8,
        right: horizontal ? 64 : 8,
        top: 12,
        bottom: 4,
        outerBoundsMode: 'same',
        outerBoundsContain: 'axisLabel',
      },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: [
        {
          type: 'bar',
          barMaxWidth: horizontal ? 16 : 36,
          data: data.map((d) => ({
            value: d.value,
            itemStyle: {
              color: d.color ?? opts.color ?? '#2563eb',
              borderRadius: horizontal ? [0, 3, 3, 0] : [3, 3, 0, 0],
            },
          })),
          label: {
            show: true,
            position: horizontal ? 'right' : 'top',
            color: '#1f2937',
            fontFamily: FONT,
            fontSize: 11,
            formatter: (p: { value: unknown }) => format(Number(p.value)),
          },
        },
      ],
    });
    return chart.renderToSVGString();
  } catch {
    // A chart is an illustration of a table the report also prints: losing it must not lose the report.
    return null;
  } finally {
    chart?.dispose();
  }
}
