/**
 * fastai-ts's one way to draw: charts described with vega-lite, rendered to SVG by vega in
 * Node (no browser, no canvas) and rasterised to PNG by sharp, with a bundled font so text
 * looks the same on machines without system fonts. A leaf: it imports nothing else from the
 * project. See docs/plot.md.
 * @module
 */
import { useBundledFonts } from './fonts.js';

export type * from './types.js';
export { formatForFile, renderFigure, saveFigure, svgToPNG, vegaLiteFigure, VEGA_CONFIG, PALETTE, FONT_SIZES } from './render.js';
export { lineChart } from './line-chart.js';
export { heatmap, defaultCellSize } from './heatmap.js';
export { imageGrid } from './image-grid.js';
export { FONT_FAMILY, useBundledFonts } from './fonts.js';
export { textWidth } from './metrics.js';

// fontconfig reads FONTCONFIG_FILE at the process's first text render: point it at the
// bundled font as soon as the plot module loads (every render checks again).
useBundledFonts();
