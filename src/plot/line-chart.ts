/**
 * Line charts (loss curves, schedules, the lr finder): vega-lite layers per panel, panels in a
 * grid (`concat` with `columns`), a shared colour scale with a legend when series are named.
 * @module
 */
import { checkInt, checkPositive } from './checks.js';
import { textWidth } from './metrics.js';
import { FONT_SIZES, PADDING, PALETTE, vegaLiteFigure } from './render.js';
import type { Figure, LineChartOptions, LinePanel, Series } from './types.js';

const SPACING = 24; // VEGA_CONFIG.concat.spacing
const MARKER_COLOR = '#d62728';

/** Log-axis labels: plain between 0.001 and 1000, else `1e-5` (vega leaves minor ticks blank). */
const LOG_LABELS = "datum.label === '' ? '' : (datum.value >= 1e-3 && datum.value < 1e4 ? format(datum.value, '~g') : replace(format(datum.value, '~e'), 'e+', 'e'))";

interface Row {
  x: number;
  y: number;
  s: string;
  i: number;
}

function seriesKey(s: Series, k: number): string {
  return s.name ?? `series ${k + 1}`;
}

function checkPanel(p: LinePanel, j: number): void {
  const where = `lineChart: panels[${j}]`;
  if (!Array.isArray(p.series)) throw new TypeError(`${where}.series must be an array of { x, y } series`);
  p.series.forEach((s, k) => {
    if (s.x.length !== s.y.length) throw new RangeError(`${where}.series[${k}] has ${s.x.length} x values but ${s.y.length} y values; give one y per x`);
    if (s.mark !== undefined && s.mark !== 'line' && s.mark !== 'point') throw new RangeError(`${where}.series[${k}].mark must be 'line' or 'point', got ${String(s.mark)}`);
  });
  for (const axis of ['xScale', 'yScale'] as const) {
    const v = p[axis];
    if (v !== undefined && v !== 'linear' && v !== 'log') throw new RangeError(`${where}.${axis} must be 'linear' or 'log', got ${String(v)}`);
  }
}

/** Points that can be drawn: finite, and positive on a log axis (others are skipped). */
function drawable(p: LinePanel, x: number, y: number): boolean {
  return Number.isFinite(x) && Number.isFinite(y) && (p.xScale !== 'log' || x > 0) && (p.yScale !== 'log' || y > 0);
}

function shortNumber(v: number): string {
  return String(Number(v.toPrecision(3)));
}

/** Room (px) the panel's y axis labels need, from its data range. */
function yLabelWidth(p: LinePanel): number {
  if (p.yScale === 'log') return textWidth('1e-10', FONT_SIZES.label);
  const ys = p.series.flatMap((s) => s.y.filter((y, i) => drawable(p, s.x[i]!, y)));
  for (const m of p.markers ?? []) ys.push(m.y);
  if (ys.length === 0) return textWidth('0.0', FONT_SIZES.label);
  let lo = Infinity;
  let hi = -Infinity;
  for (const y of ys) {
    lo = Math.min(lo, y);
    hi = Math.max(hi, y);
  }
  const step = (hi - lo) / 6 || Math.abs(hi) || 1;
  const candidates = [lo, hi, lo + step, hi - step].map(shortNumber);
  return Math.max(...candidates.map((t) => textWidth(t, FONT_SIZES.label)));
}

function axis(kind: 'x' | 'y', p: LinePanel): Record<string, unknown> {
  const log = (kind === 'x' ? p.xScale : p.yScale) === 'log';
  const title = kind === 'x' ? p.xLabel : p.yLabel;
  return {
    field: kind,
    type: 'quantitative',
    title: title ?? null,
    scale: log ? { type: 'log' } : { type: 'linear', zero: false },
    axis: log ? { labelExpr: LOG_LABELS, tickCount: 8 } : { tickCount: kind === 'x' ? 6 : 5 },
  };
}

/** Where a marker sits across the x range (0 left, 1 right), to put its label on the inside. */
function xFraction(p: LinePanel, x: number): number {
  const xs = p.series.flatMap((s) => s.x.filter((v, i) => drawable(p, v, s.y[i]!)));
  const f = p.xScale === 'log' ? Math.log : (v: number) => v;
  const lo = Math.min(...xs.map(f));
  const hi = Math.max(...xs.map(f));
  return hi > lo ? (f(x) - lo) / (hi - lo) : 0;
}

function panelSpec(p: LinePanel, names: string[], legend: boolean, width: number, height: number, keyOf: Map<Series, string>): Record<string, unknown> {
  const color = { field: 's', type: 'nominal', scale: { domain: names, range: names.map((_, i) => PALETTE[i % PALETTE.length]) }, legend: legend ? { title: null } : null };
  const rows = (mark: 'line' | 'point'): Row[] =>
    p.series.flatMap((s) => ((s.mark ?? 'line') !== mark ? [] : s.x.flatMap((x, i) => (drawable(p, x, s.y[i]!) ? [{ x, y: s.y[i]!, s: keyOf.get(s)!, i }] : []))));
  const enc = { x: axis('x', p), y: axis('y', p) };
  const layers: Record<string, unknown>[] = [];
  const lines = rows('line');
  const points = rows('point');
  if (lines.length || !points.length) layers.push({ data: { values: lines }, mark: { type: 'line', strokeWidth: 2, clip: true }, encoding: { ...enc, color, order: { field: 'i' } } });
  if (points.length) layers.push({ data: { values: points }, mark: { type: 'point', filled: true, size: 30, opacity: 0.9 }, encoding: { ...enc, color } });
  const markers = (p.markers ?? []).filter((m) => drawable(p, m.x, m.y));
  if (markers.length) {
    layers.push({ data: { values: markers }, mark: { type: 'point', filled: true, size: 80, opacity: 1, color: MARKER_COLOR, stroke: 'white', strokeWidth: 1 }, encoding: enc });
    for (const side of ['left', 'right'] as const) {
      const values = markers.filter((m) => (xFraction(p, m.x) > 0.6 ? 'right' : 'left') === side);
      if (values.length === 0) continue;
      layers.push({
        data: { values },
        mark: { type: 'text', align: side, dx: side === 'left' ? 8 : -8, dy: -9, fontSize: FONT_SIZES.label, color: '#222' },
        encoding: { ...enc, text: { field: 'label', type: 'nominal' } },
      });
    }
  }
  return { ...(p.title !== undefined ? { title: p.title } : {}), width, height, layer: layers };
}

/**
 * Line charts: one or more panels (a grid of `columns` per row), each with one or more series
 * drawn as lines (or points, `mark: 'point'`), a shared colour per series name (matplotlib's
 * tab10) and a legend when any series is named. Axes may be log scaled (labels like `1e-5`;
 * points <= 0 on a log axis and non-finite points are skipped). `markers` are drawn as red
 * dots with their label beside them (e.g. the lr finder's `valley: 1.2e-3`).
 *
 * Defaults: `width` 480 and `height` 300 px per panel's plot area; `columns`: all panels in
 * one row up to 3, then 3 per row; no `title`. The figure's size includes axes, titles and
 * the legend.
 */
export function lineChart(panels: LinePanel | readonly LinePanel[], options: LineChartOptions = {}): Figure {
  const list: readonly LinePanel[] = Array.isArray(panels) ? (panels as readonly LinePanel[]) : [panels as LinePanel];
  if (list.length === 0) throw new RangeError('lineChart: give at least one panel');
  list.forEach(checkPanel);
  const { width = 480, height = 300, title } = options;
  checkPositive('lineChart', 'width', width);
  checkPositive('lineChart', 'height', height);
  const columns = options.columns ?? (list.length <= 3 ? list.length : 3);
  checkInt('lineChart', 'columns', columns, 1);
  const keyOf = new Map<Series, string>();
  const names: string[] = [];
  list.forEach((p) => p.series.forEach((s, k) => {
    const key = seriesKey(s, k);
    keyOf.set(s, key);
    if (!names.includes(key)) names.push(key);
  }));
  const legend = list.some((p) => p.series.some((s) => s.name !== undefined));
  const specs = list.map((p) => panelSpec(p, names, legend, width, height, keyOf));

  // The frame: vega lays the chart out itself; this only has to be close (see frameSVG).
  const cols = Math.min(columns, list.length);
  const nrows = Math.ceil(list.length / cols);
  const lefts = list.map((p) => yLabelWidth(p) + 9 + (p.yLabel ? FONT_SIZES.axisTitle * 1.3 + 8 : 0));
  // Each grid column is as wide as its widest panel.
  let leftSum = 0;
  for (let c = 0; c < cols; c++) leftSum += Math.max(...lefts.filter((_, j) => j % cols === c));
  const bottom = Math.max(...list.map((p) => 9 + FONT_SIZES.label * 1.3 + (p.xLabel ? FONT_SIZES.axisTitle * 1.3 + 8 : 0)));
  const top = list.some((p) => p.title !== undefined) ? FONT_SIZES.title * 1.3 + 8 : 4;
  const right = 14;
  const legendW = legend ? 30 + Math.max(...names.map((n) => textWidth(n, FONT_SIZES.label))) : 0;
  const titleH = title !== undefined ? FONT_SIZES.title * 1.3 + 8 : 0;
  const figW = 2 * PADDING + leftSum + cols * (width + right) + (cols - 1) * SPACING + legendW;
  const figH = 2 * PADDING + titleH + nrows * (top + height + bottom) + (nrows - 1) * SPACING;
  const spec: Record<string, unknown> =
    specs.length === 1 && (title === undefined || list[0]!.title === undefined)
      ? { ...specs[0]!, ...(title !== undefined ? { title } : {}) }
      : { ...(title !== undefined ? { title } : {}), columns: cols, concat: specs };
  return vegaLiteFigure(spec, figW, figH);
}
