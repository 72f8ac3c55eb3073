/**
 * Figures from vega-lite specs: compiled and rendered to SVG by vega in Node (renderer
 * 'none': no browser, no canvas), rasterised to PNG by sharp; and encoding/saving figures.
 * vega and vega-lite are imported on the first render, so importing the library stays fast.
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { checkPositive } from './checks.js';
import { FONT_FAMILY, useBundledFonts } from './fonts.js';
import { patchVegaTextMetrics } from './metrics.js';
import type { Figure, ImageFormat } from './types.js';

/** Font sizes (CSS px) shared by every chart: they read well at 100%. */
export const FONT_SIZES = { title: 15, label: 12, axisTitle: 13, cell: 12 } as const;

/** matplotlib's tab10 (vega's category10), the colours fastai's plots use. */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'] as const;

/** Space vega keeps around the whole chart, in px. */
export const PADDING = 8;

/** The vega config every chart uses: Open Sans everywhere, white background, no label truncation. */
export const VEGA_CONFIG = {
  font: FONT_FAMILY,
  // No ARIA attributes: they name internal fields and double the size of a 37x37 heatmap.
  aria: false,
  background: 'white',
  padding: PADDING,
  title: { font: FONT_FAMILY, fontSize: FONT_SIZES.title, fontWeight: 'bold', limit: 0, offset: 8, anchor: 'middle' },
  axis: {
    labelFont: FONT_FAMILY,
    titleFont: FONT_FAMILY,
    labelFontSize: FONT_SIZES.label,
    titleFontSize: FONT_SIZES.axisTitle,
    titleFontWeight: 'normal',
    labelLimit: 0,
    titlePadding: 8,
    labelColor: '#222',
    titleColor: '#222',
    gridColor: '#e8e8e8',
  },
  legend: { labelFont: FONT_FAMILY, titleFont: FONT_FAMILY, labelFontSize: FONT_SIZES.label, titleFontSize: FONT_SIZES.axisTitle, titleFontWeight: 'normal', labelLimit: 0, titleLimit: 0 },
  text: { font: FONT_FAMILY, fontSize: FONT_SIZES.label },
  concat: { spacing: 24 },
  view: { stroke: '#bbb' },
} as const;

/** Rasterises an SVG document of CSS size width x height to a PNG `scale` times that size. */
export async function svgToPNG(svg: string, scale = 1): Promise<Buffer> {
  checkPositive('toPNG', 'scale', scale);
  useBundledFonts();
  // librsvg renders at `density` dpi, 72 being 1 px per CSS px.
  return sharp(Buffer.from(svg), { density: 72 * scale }).flatten({ background: '#ffffff' }).png().toBuffer();
}

/**
 * Places vega's SVG (its natural size) in a `width` x `height` frame: centred, and scaled down
 * only when it would not fit, so the figure's size is known before vega runs.
 */
export function frameSVG(svg: string, width: number, height: number): string {
  const open = /^<svg\b([^>]*)>/.exec(svg);
  if (!open) throw new Error('frameSVG: vega returned no <svg> element');
  const w = Number(/\bwidth="([\d.]+)"/.exec(open[1]!)?.[1]);
  const h = Number(/\bheight="([\d.]+)"/.exec(open[1]!)?.[1]);
  if (!(w > 0 && h > 0)) throw new Error(`frameSVG: cannot read the size of vega's SVG (${open[0]})`);
  const s = Math.min(1, width / w, height / h);
  const x = (width - w * s) / 2;
  const y = (height - h * s) / 2;
  const inner = `<svg x="${x.toFixed(2)}" y="${y.toFixed(2)}" width="${(w * s).toFixed(2)}" height="${(h * s).toFixed(2)}" viewBox="0 0 ${w} ${h}">`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<rect width="${width}" height="${height}" fill="white"/>${inner}${svg.slice(open[0].length)}</svg>`
  );
}

/** Compiles a vega-lite spec (with {@link VEGA_CONFIG}) and renders it to SVG. */
export async function renderVegaLite(spec: Record<string, unknown>): Promise<string> {
  useBundledFonts();
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  // vega's types omit textMetrics (vega-scenegraph's, re-exported).
  patchVegaTextMetrics((vega as unknown as { textMetrics: Parameters<typeof patchVegaTextMetrics>[0] }).textMetrics);
  const full = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', ...spec, config: VEGA_CONFIG };
  const compiled = vl.compile(full as unknown as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * A {@link Figure} drawn from a vega-lite spec into a `width` x `height` frame (see
 * {@link frameSVG}; size it from the layout so vega's chart fits). The spec is rendered once
 * and the SVG kept.
 */
export function vegaLiteFigure(spec: Record<string, unknown>, width: number, height: number): Figure {
  const w = Math.ceil(width);
  const h = Math.ceil(height);
  let svg: Promise<string> | undefined;
  const toSVG = (): Promise<string> => (svg ??= renderVegaLite(spec).then((s) => frameSVG(s, w, h)));
  return {
    width: w,
    height: h,
    toSVG,
    async toPNG(options = {}) {
      return svgToPNG(await toSVG(), options.scale ?? 1);
    },
  };
}

/** `'svg'` when `file` ends in `.svg` (any case), else `'png'`. */
export function formatForFile(file: string): ImageFormat {
  return /\.svg$/i.test(file) ? 'svg' : 'png';
}

/** Encodes a figure: PNG (default, at scale 1) or SVG bytes (UTF-8). */
export async function renderFigure(fig: Figure, format: ImageFormat = 'png'): Promise<Buffer> {
  if (format !== 'png' && format !== 'svg') throw new RangeError(`renderFigure: format must be 'png' or 'svg', got ${String(format)}`);
  return format === 'svg' ? Buffer.from(await fig.toSVG(), 'utf8') : fig.toPNG();
}

/**
 * Encodes a figure and writes it to `file` when given (creating missing folders). The format
 * is `format` when given, else SVG when `file` ends in `.svg`, else PNG. Returns the bytes.
 */
export async function saveFigure(fig: Figure, file?: string, format?: ImageFormat): Promise<Buffer> {
  const bytes = await renderFigure(fig, format ?? (file ? formatForFile(file) : 'png'));
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, bytes);
  }
  return bytes;
}
