/**
 * RandomResizedCrop as an item transform (CPU): a random region of random area and aspect,
 * resized to the target.
 * @module
 */
import { registerSpec } from '../data/spec.js';
import type { ItemContext, ItemTransform } from '../data/transform.js';
import { Image, type Kernel } from './image.js';
import { checkNumber, describeArg } from '../data/validate.js';
import { type Size, sizeHW } from './resize.js';

/** Options for {@link RandomResizedCrop}. */
export interface RandomResizedCropOptions {
  /** Smallest fraction of the image's area the crop covers. Default 0.08. */
  minScale?: number;
  /** Largest fraction of the area. Default 1. */
  maxScale?: number;
  /** Range of the crop's aspect ratio (width / height), drawn log-uniformly. Default [3/4, 4/3]. */
  ratio?: readonly [number, number];
  /** Validation: the short side is first resized to size * (1 + valXtra), then centre-cropped. Default 0.14. */
  valXtra?: number;
  /** Resampling kernel. Default 'linear'. */
  kernel?: Kernel;
}

/** Throws unless `ratio` is [lo, hi] with 0 < lo <= hi (aspect ratios, width / height). */
export function checkRatio(who: string, ratio: unknown): readonly [number, number] {
  const ok = Array.isArray(ratio) && ratio.length === 2 && ratio.every((r) => typeof r === 'number' && Number.isFinite(r) && r > 0) && ratio[0] <= ratio[1];
  if (!ok) throw new RangeError(`${who}: ratio must be [lo, hi] with 0 < lo <= hi (aspect ratios, width / height), got ${describeArg(ratio)}`);
  return ratio as [number, number];
}

/** The crop box for a `w` x `h` image: fastai's algorithm (10 tries, then a centre crop at the nearest allowed ratio). */
export function randomCropBox(
  w: number,
  h: number,
  rng: { uniform(a: number, b: number): number; int(a: number, b: number): number },
  minScale: number,
  maxScale: number,
  ratio: readonly [number, number],
): { left: number; top: number; width: number; height: number } {
  for (let attempt = 0; attempt < 10; attempt++) {
    const area = rng.uniform(minScale, maxScale) * w * h;
    const r = Math.exp(rng.uniform(Math.log(ratio[0]), Math.log(ratio[1])));
    const nw = Math.round(Math.sqrt(area * r));
    const nh = Math.round(Math.sqrt(area / r));
    if (nw <= w && nh <= h && nw >= 1 && nh >= 1) return { left: rng.int(0, w - nw + 1), top: rng.int(0, h - nh + 1), width: nw, height: nh };
  }
  let [cw, ch] = [w, h];
  if (w / h < ratio[0]) ch = Math.floor(w / ratio[0]);
  else if (w / h > ratio[1]) cw = Math.floor(h * ratio[1]);
  return { left: Math.floor((w - cw) / 2), top: Math.floor((h - ch) / 2), width: cw, height: ch };
}

/**
 * fastai's `RandomResizedCrop` (order 1): on training items a random crop of
 * [minScale, maxScale] of the area and an aspect in `ratio`, resized to `size`; on validation
 * items the short side is resized to size * (1 + valXtra) and the centre cropped. (fastai
 * squishes the whole image before that centre crop; keeping the aspect distorts nothing.)
 */
export function RandomResizedCrop(size: Size, options: RandomResizedCropOptions = {}): ItemTransform {
  const [th, tw] = sizeHW(size, 'RandomResizedCrop');
  const { minScale = 0.08, maxScale = 1, ratio = [3 / 4, 4 / 3], valXtra = 0.14, kernel = 'linear' } = options;
  checkNumber('RandomResizedCrop', 'minScale', minScale, 0, 1, 'lo');
  checkNumber('RandomResizedCrop', 'maxScale', maxScale, minScale, 1);
  checkNumber('RandomResizedCrop', 'valXtra', valXtra, 0);
  checkRatio('RandomResizedCrop', ratio);
  return {
    name: 'RandomResizedCrop',
    order: 1,
    describe: () => `{size: ${th}x${tw}, minScale: ${minScale}, ratio: [${ratio.map((r) => r.toFixed(3)).join(', ')}]}`,
    spec: () => ({ type: 'RandomResizedCrop', options: { size: [th, tw], minScale, maxScale, ratio: [...ratio], valXtra, kernel } }),
    apply(v: unknown, ctx: ItemContext): unknown {
      if (!(v instanceof Image)) return v;
      if (ctx.split === 'train') {
        return v.crop(randomCropBox(v.width, v.height, ctx.rng, minScale, maxScale, ratio)).resize(tw, th, kernel);
      }
      const scale = Math.max((tw * (1 + valXtra)) / v.width, (th * (1 + valXtra)) / v.height);
      const rw = Math.max(tw, Math.round(v.width * scale));
      const rh = Math.max(th, Math.round(v.height * scale));
      return v.resize(rw, rh, kernel).crop({ left: Math.floor((rw - tw) / 2), top: Math.floor((rh - th) / 2), width: tw, height: th });
    },
  };
}

registerSpec('RandomResizedCrop', (o) => RandomResizedCrop(o.size as unknown as Size, o as RandomResizedCropOptions));
