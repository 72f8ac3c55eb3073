/**
 * Grids of images with caption lines above each (showBatch, showResults, top losses). PNG:
 * sharp (libvips) resizes and composites the images, the text is one SVG overlay rendered by
 * librsvg in the bundled font. SVG: each image embedded as a base64 PNG `<image>`, the same
 * `<text>` elements.
 * @module
 */
import sharp, { type OverlayOptions } from 'sharp';
import { checkInt, checkPositive, escapeXml } from './checks.js';
import { FONT_FAMILY, useBundledFonts } from './fonts.js';
import { textWidth } from './metrics.js';
import type { Figure, GridCell, ImageGridOptions, RgbImage } from './types.js';

const FONT_SIZE = 14;
const MIN_FONT_SIZE = 9;
const LINE = 18;
const GAP = 8;
const TITLE_SIZE = 15;
const TITLE_H = 26;

interface Placed {
  image: RgbImage;
  left: number;
  top: number;
  w: number;
  h: number;
}

interface Layout {
  width: number;
  height: number;
  placed: Placed[];
  /** SVG `<text>` elements in CSS px. */
  text: string;
}

function checkImage(img: RgbImage, i: number): void {
  const where = `imageGrid: cells[${i}].image`;
  if (img.channels !== 1 && img.channels !== 3) throw new RangeError(`${where}.channels must be 1 (grey) or 3 (RGB), got ${String(img.channels)}`);
  checkInt('imageGrid', `cells[${i}].image.width`, img.width, 1);
  checkInt('imageGrid', `cells[${i}].image.height`, img.height, 1);
  const want = img.width * img.height * img.channels;
  if (img.data.length !== want) throw new RangeError(`${where}.data has ${img.data.length} bytes; a ${img.width}x${img.height} image with ${img.channels} channel(s) needs ${want}`);
}

/** One centred line of text, shrunk (down to 9 px) to fit `maxWidth`, then cut with an ellipsis. */
function textLine(text: string, cx: number, baseline: number, maxWidth: number, color: string, size: number, bold = false): string {
  const fit = Math.max(MIN_FONT_SIZE, Math.min(size, (size * maxWidth) / Math.max(1, textWidth(text, size, bold))));
  const fontSize = Math.floor(fit * 10) / 10;
  if (textWidth(text, fontSize, bold) > maxWidth) {
    const chars = [...text];
    while (chars.length > 1 && textWidth(`${chars.join('')}…`, fontSize, bold) > maxWidth) chars.pop();
    text = `${chars.join('')}…`;
  }
  return `<text x="${cx}" y="${baseline}" text-anchor="middle" font-family="${FONT_FAMILY}" font-size="${fontSize}"${bold ? ' font-weight="bold"' : ''} fill="${escapeXml(color)}">${escapeXml(text)}</text>`;
}

function layout(cells: readonly GridCell[], ncols: number, cellSize: number, title: string | undefined): Layout {
  const sizes = cells.map(({ image }) => {
    const s = cellSize / Math.max(image.width, image.height);
    return { w: Math.max(1, Math.round(image.width * s)), h: Math.max(1, Math.round(image.height * s)) };
  });
  const slotW = Math.max(...sizes.map((s) => s.w));
  const slotH = Math.max(...sizes.map((s) => s.h));
  const lines = Math.max(0, ...cells.map((c) => c.caption?.length ?? 0));
  const capH = lines * LINE + (lines ? 4 : 0);
  const cols = Math.min(ncols, cells.length);
  const rows = Math.ceil(cells.length / cols);
  const titleH = title !== undefined ? TITLE_H : 0;
  const width = cols * slotW + (cols + 1) * GAP;
  const height = titleH + rows * (slotH + capH) + (rows + 1) * GAP;
  const texts: string[] = [];
  if (title !== undefined) texts.push(textLine(title, width / 2, GAP + TITLE_SIZE, width - 2 * GAP, '#111', TITLE_SIZE, true));
  const placed = cells.map((cell, i) => {
    const left = GAP + (i % cols) * (slotW + GAP);
    const top = titleH + GAP + Math.floor(i / cols) * (slotH + capH + GAP);
    (cell.caption ?? []).forEach((c, k) => texts.push(textLine(c.text, left + slotW / 2, top + (k + 1) * LINE - 4, slotW - 2, c.color ?? 'black', FONT_SIZE)));
    const { w, h } = sizes[i]!;
    return { image: cell.image, left: left + Math.floor((slotW - w) / 2), top: top + capH + Math.floor((slotH - h) / 2), w, h };
  });
  return { width, height, placed, text: texts.join('') };
}

async function resized(p: Placed, w: number, h: number): Promise<Buffer> {
  const { data, width, height, channels } = p.image;
  return sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width, height, channels } })
    .resize(w, h, { fit: 'fill', kernel: 'linear' })
    .png()
    .toBuffer();
}

/**
 * Images in a grid, `ncols` per row (fewer when there are fewer cells), each scaled so its
 * longer side is `cellSize` px and centred in its slot, with its caption lines above it (14 px,
 * shrunk to fit the cell's width down to 9 px, then cut with an ellipsis) and an optional bold
 * title over the grid. Cells are 8 px apart; each caption line takes 18 px.
 *
 * Defaults: `ncols` 3, `cellSize` 192, no `title`.
 */
export function imageGrid(cells: readonly GridCell[], options: ImageGridOptions = {}): Figure {
  const { ncols = 3, cellSize = 192, title } = options;
  checkInt('imageGrid', 'ncols', ncols, 1);
  checkInt('imageGrid', 'cellSize', cellSize, 1);
  if (cells.length === 0) throw new RangeError('imageGrid: no images to draw; give at least one cell');
  cells.forEach((c, i) => checkImage(c.image, i));
  const grid = layout(cells, ncols, cellSize, title);
  const { width, height } = grid;
  return {
    width,
    height,
    async toSVG() {
      const images = await Promise.all(
        grid.placed.map(async (p) => `<image x="${p.left}" y="${p.top}" width="${p.w}" height="${p.h}" preserveAspectRatio="none" xlink:href="data:image/png;base64,${(await resized(p, p.w, p.h)).toString('base64')}"/>`),
      );
      return (
        `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
        `<rect width="${width}" height="${height}" fill="white"/>${images.join('')}${grid.text}</svg>`
      );
    },
    async toPNG({ scale = 1 } = {}) {
      checkPositive('toPNG', 'scale', scale);
      useBundledFonts();
      const W = Math.round(width * scale);
      const H = Math.round(height * scale);
      const layers: OverlayOptions[] = await Promise.all(
        grid.placed.map(async (p) => {
          const left = Math.round(p.left * scale);
          const top = Math.round(p.top * scale);
          const w = Math.max(1, Math.min(Math.round(p.w * scale), W - left));
          const h = Math.max(1, Math.min(Math.round(p.h * scale), H - top));
          return { input: await resized(p, w, h), left, top };
        }),
      );
      if (grid.text) layers.push({ input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${width} ${height}">${grid.text}</svg>`), left: 0, top: 0 });
      return sharp({ create: { width: W, height: H, channels: 3, background: { r: 255, g: 255, b: 255 } } }).composite(layers).png().toBuffer();
    },
  };
}
