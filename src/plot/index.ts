/**
 * fastai-ts's one way to draw: charts described with vega-lite, rendered to SVG by vega in
 * Node (no browser, no canvas) and rasterised to PNG by sharp, with a bundled font so text
 * looks the same on machines without system fonts. A leaf: it imports nothing else from the
 * project.
 * @module
 */
export type * from './types.js';
import type { Figure, GridCell, HeatmapOptions, ImageFormat, ImageGridOptions, LineChartOptions, LinePanel } from './types.js';

const todo = (what: string): never => {
  throw new Error(`${what}: not implemented yet`);
};

/** `'svg'` when `file` ends in `.svg` (any case), else `'png'`. */
export function formatForFile(file: string): ImageFormat {
  return /\.svg$/i.test(file) ? 'svg' : 'png';
}

/** Encodes a figure: PNG (default) or SVG bytes. */
export async function renderFigure(fig: Figure, format: ImageFormat = 'png'): Promise<Buffer> {
  return format === 'svg' ? Buffer.from(await fig.toSVG()) : fig.toPNG();
}

/**
 * Encodes a figure and writes it to `file` when given (creating missing folders): SVG when
 * `file` ends in `.svg`, else PNG (or `format` when given). Returns the bytes.
 */
export async function saveFigure(fig: Figure, file?: string, format?: ImageFormat): Promise<Buffer> {
  void fig; void file; void format;
  return todo('saveFigure');
}

/** Line charts: one or more panels, each with one or more series, a legend when they are named. */
export function lineChart(panels: LinePanel | readonly LinePanel[], options: LineChartOptions = {}): Figure {
  void panels; void options;
  return todo('lineChart');
}

/** A heatmap of `values` with row and column labels (columns rotated), text in the cells and a colour scale. */
export function heatmap(options: HeatmapOptions): Figure {
  void options;
  return todo('heatmap');
}

/** Images in a grid, each scaled to `cellSize` with its caption lines above it. */
export function imageGrid(cells: readonly GridCell[], options: ImageGridOptions = {}): Figure {
  void cells; void options;
  return todo('imageGrid');
}
