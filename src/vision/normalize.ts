/**
 * Normalize: per-channel standardisation of image batches on the engine.
 * @module
 */
import { torch, type Tensor } from '../torch/index.js';
import { registerSpec } from '../data/spec.js';
import type { BatchContext, BatchTransform } from '../data/transform.js';

/** Per-channel `[mean, std]` on [0, 1] pixels, as fastai's stats tuples (`Normalize.fromStats(...stats)`). */
export type NormalizationStats = readonly [mean: readonly number[], std: readonly number[]];

/** ImageNet's channel means and standard deviations: what torchvision's pretrained models expect. */
export const imagenetStats: NormalizationStats = [
  [0.485, 0.456, 0.406],
  [0.229, 0.224, 0.225],
];

/** Mean 0.5, std 0.5 (`x/127.5 - 1` on 0..255 pixels): what Keras/Inception-style weights expect. */
export const inceptionStats: NormalizationStats = [
  [0.5, 0.5, 0.5],
  [0.5, 0.5, 0.5],
];

/** The transform made by {@link Normalize.fromStats}. */
export interface NormalizeTransform extends BatchTransform {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/**
 * Per-channel constants [1, C, 1, 1], made once per device and dtype and kept for the life of
 * the transform (not per batch).
 */
function channelConstants(values: readonly number[]): (like: Tensor) => Tensor {
  const made = new Map<string, Tensor>();
  return (like) => {
    const key = `${like.device}/${like.dtype}`;
    let t = made.get(key);
    if (!t) {
      const v = values;
      t = torch.keep(torch.tidy(() => torch.tensor(Float32Array.from(v), [1, v.length, 1, 1], { device: like.device }).to(like.dtype)));
      made.set(key, t);
    }
    return t;
  };
}

/** fastai's `Normalize`: `(x - mean) / std` on image tensors of both splits (order 99); decode undoes it. */
export const Normalize = {
  /**
   * @example
   * batchTfms: [...augTransforms({ size: 224 }), Normalize.fromStats(...imagenetStats)]
   */
  fromStats(mean: readonly number[], std: readonly number[]): NormalizeTransform {
    if (mean.length !== std.length || mean.length === 0) throw new RangeError(`Normalize: mean (${mean.length}) and std (${std.length}) need one value per channel`);
    if (std.some((s) => !(s > 0))) throw new RangeError(`Normalize: std values must be positive, got ${std.join(', ')}`);
    const check = (t: Tensor) => {
      if (t.shape[1] !== mean.length) throw new RangeError(`Normalize: the batch has ${t.shape[1]} channels but the stats have ${mean.length}`);
    };
    const each = (batch: Tensor[], ctx: BatchContext, f: (t: Tensor) => Tensor) => batch.map((t, i) => (ctx.kinds[i] === 'image' ? f(t) : t));
    const meanOf = channelConstants(mean);
    const stdOf = channelConstants(std);
    return {
      name: 'Normalize',
      order: 99,
      pointwise: true,
      mean,
      std,
      describe: () => `{mean: [${mean.join(', ')}], std: [${std.join(', ')}]}`,
      spec: () => ({ type: 'Normalize', options: { mean: [...mean], std: [...std] } }),
      apply: (batch, ctx) => each(batch, ctx, (t) => {
        check(t);
        return t.sub(meanOf(t)).div(stdOf(t));
      }),
      decode: (batch, ctx) => each(batch, ctx, (t) => t.mul(stdOf(t)).add(meanOf(t))),
    };
  },
};

registerSpec('Normalize', (o) => {
  const nums = (v: unknown, what: string): number[] => {
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw new TypeError(`Normalize: ${what} must be an array of numbers, got ${JSON.stringify(v)}`);
    return v as number[];
  };
  return Normalize.fromStats(nums(o.mean, 'mean'), nums(o.std, 'std'));
});
