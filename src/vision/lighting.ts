/**
 * Brightness and contrast together, in logit space, as fastai's merged lighting transforms:
 * `y = sigmoid((logit(x) + logit(b)) * c)` per item.
 * @module
 */
import { torch, type Tensor } from '../torch/index.js';
import { registerSpec } from '../data/spec.js';
import type { BatchContext, BatchTransform } from '../data/transform.js';
import { checkNumber, checkProbability } from '../data/validate.js';

/** Options for {@link Lighting}. */
export interface LightingOptions {
  /** Brightness b is uniform in [0.5 - max/2, 0.5 + max/2]; contrast c log-uniform in [1 - max, 1 / (1 - max)]. Default 0.2. */
  maxLighting?: number;
  /** Probability, per item and separately for brightness and contrast, of changing it. Default 0.75. */
  pLighting?: number;
}

/** Per-item brightness and contrast for a batch of `n`. */
export interface LightingParams {
  brightness: number[];
  contrast: number[];
}

/** fastai's `logit`, clamped so 0 and 1 stay finite. */
function logit(x: Tensor): Tensor {
  const c = x.clamp(1e-7, 1 - 1e-7);
  return c.div(c.rsub(1)).log();
}

/** The transform returned by {@link Lighting}. */
export interface LightingTransform extends BatchTransform {
  /** Draws the per-item brightness and contrast (neutral: 0.5 and 1). */
  draw(n: number, rng: BatchContext['rng']): LightingParams;
  /** Applies given parameters to an image batch in [0, 1]. */
  applyParams(x: Tensor, params: LightingParams): Tensor;
}

/**
 * Random brightness and contrast on training batches (order 40); validation is untouched.
 * Expects images in [0, 1] (before Normalize).
 */
export function Lighting(options: LightingOptions = {}): LightingTransform {
  const { maxLighting = 0.2, pLighting = 0.75 } = options;
  checkNumber('Lighting', 'maxLighting (after mult)', maxLighting, 0, 1, 'hi');
  checkProbability('Lighting', 'pLighting', pLighting);
  const draw = (n: number, rng: BatchContext['rng']): LightingParams => {
    const brightness: number[] = [];
    const contrast: number[] = [];
    for (let i = 0; i < n; i++) {
      brightness.push(rng.bernoulli(pLighting) ? rng.uniform(0.5 * (1 - maxLighting), 0.5 * (1 + maxLighting)) : 0.5);
      contrast.push(rng.bernoulli(pLighting) ? Math.exp(rng.uniform(Math.log(1 - maxLighting), -Math.log(1 - maxLighting))) : 1);
    }
    return { brightness, contrast };
  };
  const applyParams = (x: Tensor, p: LightingParams): Tensor => {
    const n = x.shape[0]!;
    const shape = [n, 1, 1, 1];
    const b = torch.tensor(Float32Array.from(p.brightness, (v) => Math.log(v / (1 - v))), shape, { device: x.device }).to(x.dtype);
    const c = torch.tensor(Float32Array.from(p.contrast), shape, { device: x.device }).to(x.dtype);
    return logit(x).add(b).mul(c).sigmoid();
  };
  return {
    name: 'Lighting',
    order: 40,
    pointwise: true,
    describe: () => `{maxLighting: ${maxLighting}, pLighting: ${pLighting}}`,
    spec: () => ({ type: 'Lighting', options: { maxLighting, pLighting } }),
    draw,
    applyParams,
    apply(batch: Tensor[], ctx: BatchContext): Tensor[] {
      if (ctx.split !== 'train' || maxLighting === 0 || pLighting === 0) return batch;
      return batch.map((t, i) => {
        if (ctx.kinds[i] !== 'image') return t;
        const p = draw(t.shape[0]!, ctx.rng);
        if (p.brightness.every((v) => v === 0.5) && p.contrast.every((v) => v === 1)) return t;
        return applyParams(t, p);
      });
    },
  };
}

registerSpec('Lighting', (o) => Lighting(o as LightingOptions));
