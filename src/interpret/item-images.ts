/**
 * The decoded input images of a few items of a loader, loaded through the loader's own
 * pipeline (item transforms, collation, batch transforms, then decoding for display), as the
 * plot module's 8-bit pixels (through vision's tensor-to-pixels adapter).
 * @module
 */
import { disposeSamples } from '../data/collate.js';
import type { DataLoader } from '../data/index.js';
import type { RgbImage } from '../plot/index.js';
import { torch, type Tensor } from '../torch/index.js';
import { toRgbImage } from '../vision/show.js';

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
        for (let k = 0; k < chunk.length; k++) out.push(toRgbImage(decoded[0]!, k, who)); // a JS copy of the pixels
      } finally {
        torch.dispose(decoded);
      }
    } finally {
      torch.dispose(batch);
    }
  }
  return out;
}
