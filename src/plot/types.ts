/**
 * The shapes the plotting module draws. It is a leaf: it imports nothing else from the
 * project, so everything it draws arrives as plain numbers, strings and RGB bytes.
 * @module
 */

/** An output format: PNG by default, SVG when a file name ends in `.svg`. */
export type ImageFormat = 'png' | 'svg';

/** Something drawn, not yet encoded: render it with {@link renderFigure} or {@link saveFigure}. */
export interface Figure {
  /** Width in CSS pixels (the PNG's width at scale 1). */
  readonly width: number;
  /** Height in CSS pixels. */
  readonly height: number;
  /** The figure as a standalone SVG document. */
  toSVG(): Promise<string>;
  /** The figure as a PNG, `scale` times its CSS size (default 1). */
  toPNG(options?: { scale?: number }): Promise<Buffer>;
}

/** One line (or set of points) of a chart. */
export interface Series {
  /** Shown in the legend; a chart whose series are all unnamed has no legend. */
  name?: string;
  x: readonly number[];
  y: readonly number[];
  /** Default 'line'. */
  mark?: 'line' | 'point';
}

/** A point marked on a chart and labelled (e.g. an lr-finder suggestion). */
export interface PointLabel {
  x: number;
  y: number;
  label: string;
}

/** One panel of a line chart. */
export interface LinePanel {
  series: readonly Series[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Default 'linear'; 'log' for learning rates. */
  xScale?: 'linear' | 'log';
  /** Default 'linear'. */
  yScale?: 'linear' | 'log';
  /** Points marked with a dot and their label. Default none. */
  markers?: readonly PointLabel[];
}

/** Options for {@link lineChart}. */
export interface LineChartOptions {
  /** Width of each panel's plot area in CSS px. Default 480. */
  width?: number;
  /** Height of each panel's plot area in CSS px. Default 300. */
  height?: number;
  /** Panels per row. Default: all in one row up to 3, then 3 per row. */
  columns?: number;
  /** A title over all panels. Default none. */
  title?: string;
}

/** Options for {@link heatmap}. */
export interface HeatmapOptions {
  /** One row of values per row label. */
  values: readonly (readonly number[])[];
  rowLabels: readonly string[];
  colLabels: readonly string[];
  /** Text drawn in each cell. Default: the value, rounded to 2 decimals unless an integer; '' to draw none. */
  text?: readonly (readonly string[])[];
  title?: string;
  /** Label of the column axis (on top or bottom). Default none. */
  xLabel?: string;
  /** Label of the row axis. Default none. */
  yLabel?: string;
  /** Title of the colour legend. Default none. */
  colorLabel?: string;
  /** Side of a cell in CSS px. Default: from the number of columns, 36 for a few down to 22 at 37 and more. */
  cellSize?: number;
}

/** 8-bit pixels, row-major, channels interleaved (1 = grey, 3 = RGB). */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** A line of text above a grid cell, with an optional colour (CSS name or #hex). */
export interface Caption {
  text: string;
  color?: string;
}

/** One cell of an image grid. */
export interface GridCell {
  image: RgbImage;
  /** Lines drawn above the image. Default none. */
  caption?: readonly Caption[];
}

/** Options for {@link imageGrid}. */
export interface ImageGridOptions {
  /** Cells per row. Default 3. */
  ncols?: number;
  /** Each image is scaled so its longer side is this many CSS px. Default 192. */
  cellSize?: number;
  /** A title over the grid. Default none. */
  title?: string;
}
