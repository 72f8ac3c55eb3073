/**
 * The tensor-to-pixels adapter for drawing: a float batch [N, C, H, W] in [0, 1] becomes one
 * {@link RgbImage} per item, drawn by the plot module's {@link imageGrid}.
 * @module
 */
import { torch, type Tensor } from '../torch/index.js';
import { checkInt } from '../data/validate.js';
import type { Caption, ShowOptions } from '../data/transform.js';
import { imageGrid, renderFigure, type RgbImage } from '../plot/index.js';

// Image grids add their own option to showBatch's (the data layer knows nothing of drawing).
declare module '../data/transform.js' {
  interface ShowOptions {
    /** ImageBlock: pixel size of each cell's image (its longer side). Default 192. */
    cellSize?: number;
  }
}

/**
 * Item `i` of a float batch in [0, 1] ([N, C, H, W], C = 1 or 3) as 8-bit pixels, channels
 * interleaved. `who` names the caller in errors (default 'showBatch').
 */
export function toRgbImage(x: Tensor, i: number, who = 'showBatch'): RgbImage {
  if (x.ndim !== 4) throw new RangeError(`${who}: images must be a batch [N, C, H, W], got shape [${x.shape.join(', ')}]`);
  const [, c, h, w] = x.shape as [number, number, number, number];
  if (c !== 1 && c !== 3) throw new RangeError(`${who}: images need 1 or 3 channels, got ${c}`);
  const bytes = torch.tidy(() => x.select(0, i).clamp(0, 1).mul(255).round().to('uint8').permute(1, 2, 0).contiguous().cpu().toTypedArray());
  return { data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), width: w, height: h, channels: c };
}

/**
 * A grid of the images in `x` ([N, C, H, W] float in [0, 1]), each with its caption lines
 * above it, `ncols` per row and at most `nrows` rows, encoded as PNG (default) or SVG
 * (`format: 'svg'`). Each image is scaled so its longer side is `cellSize` (default 192).
 */
export async function drawGrid(x: Tensor, captions: readonly (readonly Caption[])[], options: ShowOptions = {}): Promise<Buffer> {
  const { nrows = 3, ncols = 3, cellSize = 192, format = 'png' } = options;
  checkInt('showBatch', 'nrows', nrows, 1);
  checkInt('showBatch', 'ncols', ncols, 1);
  checkInt('showBatch', 'cellSize', cellSize, 1);
  const n = Math.min(x.shape[0]!, nrows * ncols);
  if (n === 0) throw new RangeError('showBatch: no images to draw');
  const cells = Array.from({ length: n }, (_, i) => ({ image: toRgbImage(x, i), caption: captions[i] ?? [] }));
  return renderFigure(imageGrid(cells, { ncols, cellSize }), format);
}
