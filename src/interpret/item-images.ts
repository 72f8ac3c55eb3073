/**
 * The decoded input images of a few items of a loader, loaded through the loader's own
 * pipeline (item transforms, collation, batch transforms, then decoding for display), as the
 * plot module's 8-bit pixels.
 * @module
 */
import { disposeSamples } from '../data/collate.js';
import type { DataLoader } from '../data/index.js';
import type { RgbImage } from '../plot/index.js';
import { torch, type Tensor } from '../torch/index.js';

/** Image `i` of a float batch in [0, 1] ([N, C, H, W], C = 1 or 3) as 8-bit HWC pixels. */
function toRgbImage(x: Tensor, i: number, who: string): RgbImage {
  const [, c, h, w] = x.shape as [number, number, number, number];
  if (x.ndim !== 4 || (c !== 1 && c !== 3)) {
    throw new RangeError(`${who}: the loader's inputs must be images ([N, 1 or 3, H, W] after decoding), got a tensor of shape [${x.shape.join(', ')}]`);
  }
  const bytes = torch.tidy(() => x.select(0, i).clamp(0, 1).mul(255).round().to('uint8').permute(1, 2, 0).contiguous().cpu().toTypedArray() as Uint8Array);
  return { data: Uint8Array.from(bytes), width: w, height: h, channels: c };
}

/**
 * The inputs of dataset positions `indices` of `dl` as they are shown (decoded: e.g. Normalize
 * undone), with the transforms of epoch `epoch`, loaded `dl.bs` at a time. Frees every tensor.
 */
export async function itemImages(dl: DataLoader<Tensor[]>, indices: readonly number[], epoch: number, who: string): Promise<RgbImage[]> {
  const out: RgbImage[] = [];
  for (let start = 0; start < indices.length; start += dl.bs) {
    const chunk = indices.slice(start, start + dl.bs);
    const samples: unknown[][] = [];
    try {
      for (const i of chunk) samples.push(await dl.loadSample(i, epoch));
    } catch (e) {
      disposeSamples(samples); // those loaded before the failing one
      throw e;
    }
    const batch = dl.makeBatch(samples, dl.batchContext(epoch, 0));
    try {
      const decoded = torch.tidy(() => dl.decode(batch));
      try {
        for (let k = 0; k < chunk.length; k++) out.push(toRgbImage(decoded[0]!, k, who));
      } finally {
        torch.dispose(decoded);
      }
    } finally {
      torch.dispose(batch);
    }
  }
  return out;
}
