/**
 * Resize: the item transform of fastai's presizing. Makes every image the same size on the
 * CPU, so batches can be collated and augmented on the engine.
 * @module
 */
import { registerSpec } from '../data/spec.js';
import type { ItemContext, ItemTransform } from '../data/transform.js';
import { checkOneOf, describeArg } from '../data/validate.js';
import { Image, type Kernel, type PadMode } from './image.js';

/** A size: one number for a square, or `[height, width]`. */
export type Size = number | readonly [number, number];

/** `[height, width]` of a {@link Size} (PyTorch's order, used everywhere inside); throws naming `who` unless both are positive integers. */
export function sizeHW(size: Size, who: string): [height: number, width: number] {
  const hw = typeof size === 'number' ? [size, size] : Array.isArray(size) && size.length === 2 ? size : null;
  if (!hw || !hw.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 1)) {
    throw new RangeError(`${who}: size must be a positive integer or [height, width] of positive integers, got ${describeArg(size)}`);
  }
  return [hw[0]!, hw[1]!];
}

/** Options for {@link Resize}. */
export interface ResizeOptions {
  /**
   * - `'crop'` (default): the largest region with the target's aspect, at a random position for
   *   training items and the centre for validation items, resized to the target (when shrinking
   *   by 2x or more, resized first and then cropped, so JPEG shrink-on-load applies);
   * - `'pad'`: the whole image fitted inside the target and padded (at a random position when training);
   * - `'squish'`: the whole image stretched to the target.
   */
  method?: 'crop' | 'pad' | 'squish';
  /** How `'pad'` fills. Default `'reflection'` (as fastai). */
  padMode?: PadMode;
  /** Resampling kernel. Default `'linear'` (bilinear, as fastai). */
  kernel?: Kernel;
}

/** The item transform returned by {@link Resize}. */
export interface ResizeTransform extends ItemTransform {
  readonly size: readonly [height: number, width: number];
  readonly method: 'crop' | 'pad' | 'squish';
}

/**
 * Resizes every image to `size` (fastai's `Resize`, order 1): with `Resize(460)` and batch
 * augmentation to 224 this is the book's *presizing*. The crop's (or padding's) position is
 * random per training item (from the item's seeded generator) and centred for validation.
 *
 * @example
 * itemTfms: Resize(460)
 * itemTfms: Resize(224, { method: 'squish' })
 */
export function Resize(size: Size, options: ResizeOptions = {}): ResizeTransform {
  const [th, tw] = sizeHW(size, 'Resize');
  const method = checkOneOf('Resize', 'method', options.method ?? 'crop', ['crop', 'pad', 'squish'] as const);
  const padMode = checkOneOf('Resize', 'padMode', options.padMode ?? 'reflection', ['reflection', 'border', 'zeros'] as const);
  const kernel = checkOneOf('Resize', 'kernel', options.kernel ?? 'linear', ['nearest', 'linear', 'cubic', 'mitchell', 'lanczos2', 'lanczos3'] as const);
  return {
    name: 'Resize',
    order: 1,
    size: [th, tw],
    method,
    describe: () => `{size: ${th}x${tw}, method: '${method}'${method === 'pad' ? `, padMode: '${padMode}'` : ''}}`,
    spec: () => ({ type: 'Resize', options: { size: [th, tw], method, padMode, kernel } }),
    apply(v: unknown, ctx: ItemContext): unknown {
      if (!(v instanceof Image)) return v;
      const { width: w, height: h } = v;
      if (method === 'squish') return v.resize(tw, th, kernel);
      // fastai draws the position for training items only; validation is centred.
      const [px, py] = ctx.split === 'train' ? [ctx.rng.random(), ctx.rng.random()] : [0.5, 0.5];
      if (method === 'crop') {
        const scale = Math.max(tw / w, th / h);
        if (scale > 0.5) {
          // fastai's order: crop the region (largest with the target's aspect), then resize it;
          // only the pixels kept are resampled.
          const cw = Math.min(w, Math.round(tw / scale));
          const ch = Math.min(h, Math.round(th / scale));
          return v.crop({ left: Math.floor(px * (w - cw)), top: Math.floor(py * (h - ch)), width: cw, height: ch }).resize(tw, th, kernel);
        }
        // Shrinking by 2x or more: resize first (the same region), so JPEG shrink-on-load applies.
        const rw = Math.max(tw, Math.round(w * scale));
        const rh = Math.max(th, Math.round(h * scale));
        return v.resize(rw, rh, kernel).crop({ left: Math.floor(px * (rw - tw)), top: Math.floor(py * (rh - th)), width: tw, height: th });
      }
      const scale = Math.min(tw / w, th / h);
      const rw = Math.min(tw, Math.max(1, Math.round(w * scale)));
      const rh = Math.min(th, Math.max(1, Math.round(h * scale)));
      const left = Math.floor(px * (tw - rw));
      const top = Math.floor(py * (th - rh));
      return v.resize(rw, rh, kernel).pad({ left, right: tw - rw - left, top, bottom: th - rh - top }, padMode);
    },
  };
}

registerSpec('Resize', (o) => Resize(o.size as unknown as Size, o as ResizeOptions));
