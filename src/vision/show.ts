/**
 * Drawing grids of images with captions into a PNG, with sharp (libvips composites the
 * images; captions are SVG text rendered by librsvg).
 * @module
 */
import sharp, { type OverlayOptions } from 'sharp';
import { torch, type Tensor } from '../torch/index.js';
import { checkInt } from '../data/validate.js';
import type { Caption, ShowOptions } from '../data/transform.js';

// Image grids add their own option to showBatch's (the data layer knows nothing of drawing).
declare module '../data/transform.js' {
  interface ShowOptions {
    /** ImageBlock: pixel size of each cell's image (its longer side). Default 192. */
    cellSize?: number;
  }
}

const FONT_SIZE = 14;
const LINE = 18;
const GAP = 8;

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** One image of a float batch in [0, 1] ([C, H, W], C = 1 or 3) as 8-bit pixels. */
function toPixels(x: Tensor, i: number): { data: Buffer; width: number; height: number; channels: 1 | 3 } {
  const [, c, h, w] = x.shape as [number, number, number, number];
  if (c !== 1 && c !== 3) throw new RangeError(`showBatch: images need 1 or 3 channels, got ${c}`);
  const bytes = torch.tidy(() => x.select(0, i).clamp(0, 1).mul(255).round().to('uint8').permute(1, 2, 0).contiguous().cpu().toTypedArray());
  return { data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), width: w, height: h, channels: c };
}

/**
 * A PNG grid of the images in `x` ([N, C, H, W] float in [0, 1]), each with its caption lines
 * above it, `ncols` per row and at most `nrows` rows. Each image is scaled so its longer side
 * is `cellSize` (default 192).
 */
export async function drawGrid(x: Tensor, captions: readonly (readonly Caption[])[], options: ShowOptions = {}): Promise<Buffer> {
  const { nrows = 3, ncols = 3, cellSize = 192 } = options;
  checkInt('showBatch', 'nrows', nrows, 1);
  checkInt('showBatch', 'ncols', ncols, 1);
  checkInt('showBatch', 'cellSize', cellSize, 1);
  const n = Math.min(x.shape[0]!, nrows * ncols);
  if (n === 0) throw new RangeError('showBatch: no images to draw');
  const [, , h, w] = x.shape as [number, number, number, number];
  const scale = cellSize / Math.max(h, w);
  const cw = Math.max(1, Math.round(w * scale));
  const ch = Math.max(1, Math.round(h * scale));
  const lines = Math.max(0, ...captions.slice(0, n).map((c) => c.length));
  const capH = lines * LINE + (lines ? 4 : 0);
  const cols = Math.min(ncols, n);
  const rows = Math.ceil(n / cols);
  const width = cols * cw + (cols + 1) * GAP;
  const height = rows * (ch + capH) + (rows + 1) * GAP;
  const layers: OverlayOptions[] = [];
  for (let i = 0; i < n; i++) {
    const left = GAP + (i % cols) * (cw + GAP);
    const top = GAP + Math.floor(i / cols) * (ch + capH + GAP);
    const px = toPixels(x, i);
    const img = await sharp(px.data, { raw: { width: px.width, height: px.height, channels: px.channels } })
      .resize(cw, ch, { fit: 'fill', kernel: 'linear' })
      .png()
      .toBuffer();
    layers.push({ input: img, left, top: top + capH });
    const caption = captions[i] ?? [];
    if (caption.length) {
      const texts = caption.map(
        (c, k) =>
          `<text x="${cw / 2}" y="${(k + 1) * LINE - 4}" text-anchor="middle" font-family="DejaVu Sans, Arial, sans-serif" font-size="${FONT_SIZE}" fill="${escapeXml(c.color ?? 'black')}">${escapeXml(c.text)}</text>`,
      );
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${cw}" height="${capH}">${texts.join('')}</svg>`;
      layers.push({ input: Buffer.from(svg), left, top });
    }
  }
  return sharp({ create: { width, height, channels: 3, background: { r: 255, g: 255, b: 255 } } }).composite(layers).png().toBuffer();
}
