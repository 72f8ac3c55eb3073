/**
 * Heatmaps (the confusion matrix): one rect per cell coloured on matplotlib's sequential
 * 'Blues', its text drawn in it (white on dark cells), labels kept in the order given.
 * @module
 */
import { checkPositive } from './checks.js';
import { textWidth } from './metrics.js';
import { FONT_SIZES, PADDING, vegaLiteFigure } from './render.js';
import type { Figure, HeatmapOptions } from './types.js';

/** matplotlib's sequential 'Blues' (as fastai's confusion matrix): near white at the bottom. */
const BLUES = ['#f7fbff', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'];

/** The default cell side: 36 px for a few columns, down to 22 px at 37 columns and more. */
export function defaultCellSize(ncols: number): number {
  return Math.round(Math.max(22, Math.min(36, 36 - ((ncols - 10) * 14) / 27)));
}

/** The default cell text: integers as they are, other values rounded to 2 decimals. */
function cellText(v: number): string {
  if (!Number.isFinite(v)) return '';
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 100) / 100);
}

function check(o: HeatmapOptions): void {
  const { values, rowLabels, colLabels, text } = o;
  if (!Array.isArray(values as unknown)) throw new TypeError('heatmap: values must be an array of rows of numbers');
  if (values.length !== rowLabels.length) throw new RangeError(`heatmap: values has ${values.length} rows but rowLabels has ${rowLabels.length} labels; give one label per row`);
  if (values.length === 0 || colLabels.length === 0) throw new RangeError('heatmap: values must have at least one row and one column');
  values.forEach((row, r) => {
    if (row.length !== colLabels.length) throw new RangeError(`heatmap: values[${r}] has ${row.length} values but colLabels has ${colLabels.length} labels; give one value per column`);
    row.forEach((v, c) => {
      if (typeof v !== 'number' || Number.isNaN(v)) throw new RangeError(`heatmap: values[${r}][${c}] must be a number, got ${String(v)}`);
    });
  });
  if (text) {
    if (text.length !== values.length || text.some((row) => row.length !== colLabels.length))
      throw new RangeError(`heatmap: text must have the shape of values (${values.length} x ${colLabels.length})`);
  }
  if (o.cellSize !== undefined) checkPositive('heatmap', 'cellSize', o.cellSize);
}

/** A vega expression mapping an index (datum.value) to its label. */
function labelExpr(labels: readonly string[]): string {
  return `${JSON.stringify(labels)}[datum.value]`;
}

/**
 * A heatmap of `values` (row r drawn r-th from the top, column c c-th from the left, labels in
 * the order given, duplicates allowed), each cell coloured on matplotlib's sequential 'Blues'
 * (from min(0, smallest value) to the largest) with its text drawn in it, black on light cells and
 * white on dark ones (above the middle of the scale). Column labels run along the bottom,
 * rotated -90° unless they all fit their cell; a colour legend sits on the right.
 *
 * Defaults: `text` the values (integers as they are, others rounded to 2 decimals; '' draws
 * nothing); `cellSize` 36 px for up to 10 columns, shrinking to 22 px at 37 columns and more;
 * no `title`, `xLabel`, `yLabel` or `colorLabel`.
 */
export function heatmap(options: HeatmapOptions): Figure {
  check(options);
  const { values, rowLabels, colLabels, title, xLabel, yLabel, colorLabel } = options;
  const nrows = rowLabels.length;
  const ncols = colLabels.length;
  const cell = options.cellSize ?? defaultCellSize(ncols);
  const flat = values.flat().filter(Number.isFinite);
  const lo = Math.min(0, ...flat);
  let hi = Math.max(...flat, lo);
  if (hi === lo) hi = lo + 1;
  const mid = (lo + hi) / 2;
  const cells = values.flatMap((row, r) => row.map((v, c) => ({ r, c, v, t: options.text ? options.text[r]![c]! : cellText(v) })));
  const fontSize = Math.max(8, Math.min(FONT_SIZES.cell, Math.round(cell * 0.45)));
  const labelSize = Math.min(FONT_SIZES.label, Math.max(9, Math.round(cell * 0.5)));
  const colW = Math.max(...colLabels.map((l) => textWidth(l, labelSize)));
  const rowW = Math.max(...rowLabels.map((l) => textWidth(l, labelSize)));
  const rotate = colW > cell - 4;
  const index = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
  const axisBase = { ticks: false, domain: false, labelFontSize: labelSize, labelPadding: 4 };
  const x = {
    field: 'c',
    type: 'ordinal',
    scale: { domain: index(ncols), paddingInner: 0, paddingOuter: 0 },
    axis: { ...axisBase, orient: 'bottom', title: xLabel ?? null, labelExpr: labelExpr(colLabels), labelAngle: rotate ? -90 : 0, labelAlign: rotate ? 'right' : 'center', labelBaseline: 'middle' },
  };
  const y = { field: 'r', type: 'ordinal', scale: { domain: index(nrows), paddingInner: 0, paddingOuter: 0 }, axis: { ...axisBase, title: yLabel ?? null, labelExpr: labelExpr(rowLabels) } };
  const spec = {
    ...(title !== undefined ? { title } : {}),
    width: ncols * cell,
    height: nrows * cell,
    data: { values: cells },
    encoding: { x, y },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: cell >= 24 ? 1 : 0.5 },
        encoding: { color: { field: 'v', type: 'quantitative', scale: { range: BLUES, domain: [lo, hi], interpolate: 'rgb' }, legend: { title: colorLabel ?? null, gradientLength: Math.max(80, Math.min(nrows * cell, 300)) } } },
      },
      {
        mark: { type: 'text', fontSize, baseline: 'middle' },
        encoding: { text: { field: 't', type: 'nominal' }, color: { condition: { test: `datum.v > ${mid}`, value: 'white' }, value: '#111' } },
      },
    ],
    view: { stroke: null },
  };
  // The frame (see frameSVG): labels and titles around the cells, the legend on the right.
  const axisTitle = FONT_SIZES.axisTitle * 1.3 + 8;
  const left = rowW + 6 + (yLabel ? axisTitle : 0);
  const bottom = (rotate ? colW : labelSize * 1.3) + 6 + (xLabel ? axisTitle : 0);
  const legendW = 18 + 16 + Math.max(textWidth(cellText(hi), FONT_SIZES.label), textWidth(cellText(lo), FONT_SIZES.label)) + 8;
  const legendTitleW = colorLabel ? textWidth(colorLabel, FONT_SIZES.axisTitle) + 18 : 0;
  const top = title !== undefined ? FONT_SIZES.title * 1.3 + 8 : 0;
  const figW = 2 * PADDING + left + ncols * cell + Math.max(legendW, legendTitleW) + 6;
  const figH = 2 * PADDING + top + nrows * cell + bottom + 6;
  return vegaLiteFigure(spec, figW, figH);
}
