/**
 * augTransforms: fastai's batch augmentation, composed. Flip (or dihedral), rotation, zoom,
 * perspective warp and the random-resized crop to the final size are multiplied into one
 * projective matrix per item and applied with one `gridSample` per batch; brightness and
 * contrast follow in logit space. fastai itself resamples twice when minScale < 1 (a separate
 * RandomResizedCropGPU); composing the crop gives the one resample the book describes.
 * @module
 */
import { F, type Tensor } from '../torch/index.js';
import { type JSONObject, registerSpec } from '../data/spec.js';
import type { BatchContext, BatchTransform } from '../data/transform.js';
import { checkBoolean, checkNumber, checkOneOf, checkProbability, describeArg } from '../data/validate.js';
import { affineCoord, composeMats, cropMat, dihedralMat, flipMat, identityMat, type Mat3, rotateMat, warpMat, zoomMat } from './affine.js';
import { Lighting } from './lighting.js';
import { checkRatio, randomCropBox } from './random-resized-crop.js';
import { type PlanResampler, planOf, type ResamplePlan } from './resample-plan.js';
import { sizeHW } from './resize.js';

/** Options for {@link augTransforms} (fastai's defaults). */
export interface AugTransformsOptions {
  /** Output size of training and validation batches: a number or [height, width]. Default: the input size. */
  size?: number | readonly [number, number];
  /** Smallest fraction of the area the random crop keeps; 1 = no crop. Default 1. */
  minScale?: number;
  /** Aspect-ratio range of the crop. Default [1, 1] (as fastai's aug_transforms). */
  ratio?: readonly [number, number];
  /** Scales maxRotate, maxLighting and maxWarp. Default 1. */
  mult?: number;
  /** Random flips. Default true. */
  doFlip?: boolean;
  /** Vertical flips and 90-degree turns too (the 8 dihedral symmetries). Default false. */
  flipVert?: boolean;
  /** Probability of a flip per item. Default 0.5. */
  pFlip?: number;
  /** Largest rotation in degrees. Default 10. */
  maxRotate?: number;
  /** Zoom range (1 = none). Defaults 1 and 1.1. */
  minZoom?: number;
  maxZoom?: number;
  /** Largest brightness/contrast change. Default 0.2. */
  maxLighting?: number;
  /** Largest perspective warp. Default 0.2. */
  maxWarp?: number;
  /** Probability of each of rotate, zoom and warp per item. Default 0.75. */
  pAffine?: number;
  /** Probability of each of brightness and contrast per item. Default 0.75. */
  pLighting?: number;
  /** What points outside the image read. Default 'reflection'. */
  padMode?: 'zeros' | 'border' | 'reflection';
  /** Interpolation. Default 'bilinear'. */
  mode?: 'bilinear' | 'nearest' | 'bicubic';
  /** Default true (as fastai). */
  alignCorners?: boolean;
  /** More batch transforms to add. Default none. */
  xtraTfms?: readonly BatchTransform[];
}

/** The random parameters of one item (neutral values: 0, 0, 1, 0.5, 0.5, 0, 0 and no crop). */
export interface AffineParams {
  /** Dihedral index (0 = none; with flipVert false, 1 = horizontal flip). */
  flip: number;
  /** Degrees. */
  rotate: number;
  zoom: number;
  zoomCol: number;
  zoomRow: number;
  warpX: number;
  warpY: number;
  /** The crop as fractions of width/height and its centre, in normalised coordinates (cropMat's arguments). */
  crop: [fx: number, fy: number, cx: number, cy: number];
}

/** The coordinate transform made by {@link augTransforms} (order 30). */
export interface AffineAugTransform extends PlanResampler {
  readonly options: Required<Pick<AugTransformsOptions, 'minScale' | 'doFlip' | 'flipVert' | 'pFlip' | 'maxRotate' | 'minZoom' | 'maxZoom' | 'maxWarp' | 'pAffine'>>;
  /** Draws one item's parameters for an input of h x w. */
  draw(rng: BatchContext['rng'], h: number, w: number): AffineParams;
  /** The item's matrix: warp @ (flip @ rotate @ zoom) @ crop, output -> input, as fastai orders them. */
  matrix(p: AffineParams): Mat3;
}

/** Centre crop of the largest region whose aspect (width / height) lies in `ratio`: cropMat's arguments. */
function centreCrop(h: number, w: number, ratio: readonly [number, number]): [number, number, number, number] {
  if (w / h < ratio[0]) return [1, w / ratio[0] / h, 0, 0];
  if (w / h > ratio[1]) return [(h * ratio[1]) / w, 1, 0, 0];
  return [1, 1, 0, 0];
}

const WHO = 'augTransforms';

function affineAug(o: AugTransformsOptions): AffineAugTransform {
  const mult = checkNumber(WHO, 'mult', o.mult ?? 1, 0);
  const opts = {
    minScale: checkNumber(WHO, 'minScale', o.minScale ?? 1, 0, 1, 'lo'),
    doFlip: checkBoolean(WHO, 'doFlip', o.doFlip ?? true),
    flipVert: checkBoolean(WHO, 'flipVert', o.flipVert ?? false),
    pFlip: checkProbability(WHO, 'pFlip', o.pFlip ?? 0.5),
    maxRotate: checkNumber(WHO, 'maxRotate', o.maxRotate ?? 10, 0) * mult,
    minZoom: checkNumber(WHO, 'minZoom', o.minZoom ?? 1, 0, Infinity, 'lo'),
    maxZoom: checkNumber(WHO, 'maxZoom', o.maxZoom ?? 1.1, o.minZoom ?? 1),
    // A warp of 1 or more folds the image over itself.
    maxWarp: checkNumber(WHO, 'maxWarp', (o.maxWarp ?? 0.2) * mult, 0, 1, 'hi'),
    pAffine: checkProbability(WHO, 'pAffine', o.pAffine ?? 0.75),
  };
  const ratio = checkRatio(WHO, o.ratio ?? [1, 1]);
  const size = o.size === undefined ? undefined : sizeHW(o.size, WHO);
  const sample = {
    mode: checkOneOf(WHO, 'mode', o.mode ?? 'bilinear', ['bilinear', 'nearest', 'bicubic'] as const),
    padMode: checkOneOf(WHO, 'padMode', o.padMode ?? 'reflection', ['zeros', 'border', 'reflection'] as const),
    alignCorners: checkBoolean(WHO, 'alignCorners', o.alignCorners ?? true),
  };

  const draw = (rng: BatchContext['rng'], h: number, w: number): AffineParams => {
    const p: AffineParams = { flip: 0, rotate: 0, zoom: 1, zoomCol: 0.5, zoomRow: 0.5, warpX: 0, warpY: 0, crop: [1, 1, 0, 0] };
    if (opts.doFlip && rng.bernoulli(opts.pFlip)) p.flip = opts.flipVert ? rng.int(0, 8) : 1;
    if (opts.maxWarp > 0) {
      if (rng.bernoulli(opts.pAffine)) p.warpX = rng.uniform(-opts.maxWarp, opts.maxWarp);
      if (rng.bernoulli(opts.pAffine)) p.warpY = rng.uniform(-opts.maxWarp, opts.maxWarp);
    }
    if (opts.maxRotate > 0 && rng.bernoulli(opts.pAffine)) p.rotate = rng.uniform(-opts.maxRotate, opts.maxRotate);
    if (opts.minZoom < 1 || opts.maxZoom > 1) {
      if (rng.bernoulli(opts.pAffine)) p.zoom = rng.uniform(opts.minZoom, opts.maxZoom);
      p.zoomCol = rng.random();
      p.zoomRow = rng.random();
    }
    if (opts.minScale < 1) {
      const box = randomCropBox(w, h, { uniform: (a, b) => rng.uniform(a, b), int: (a, b) => a + rng.random() * (b - 1 - a) }, opts.minScale, 1, ratio);
      const fx = box.width / w;
      const fy = box.height / h;
      // Centre of the crop in normalised coordinates (continuous: the crop need not sit on whole pixels).
      p.crop = [fx, fy, ((box.left + box.width / 2) / w) * 2 - 1, ((box.top + box.height / 2) / h) * 2 - 1];
    }
    return p;
  };

  const matrix = (p: AffineParams): Mat3 => {
    const flip = p.flip === 0 ? identityMat : opts.flipVert ? dihedralMat(p.flip) : flipMat();
    return composeMats(warpMat(p.warpX, p.warpY), flip, rotateMat(p.rotate), zoomMat(p.zoom, p.zoomCol, p.zoomRow), cropMat(...p.crop));
  };

  // Every setting as resolved (mult already applied), so the rebuilt transform draws and resamples the same.
  const specOptions: JSONObject = { ...opts, ratio: [...ratio], ...sample, ...(size ? { size } : {}) };

  const isIdentity = (m: Mat3) => m.every((v, i) => Math.abs(v - identityMat[i]!) < 1e-12);

  const transform = (x: Tensor, ctx: BatchContext, content: ResamplePlan | undefined): Tensor => {
    const n = x.shape[0]!;
    // With a resample plan the images stand for `content.target`; the matrices act on that size.
    const [h, w] = content ? content.target : (x.shape.slice(2) as [number, number]);
    const out = size ?? [h, w];
    const sameSize = !content && out[0] === h && out[1] === w;
    if (ctx.split !== 'train') {
      // Validation: only the deterministic resize to the final size (a centre crop first when the aspect must change).
      if (sameSize) return x;
      const crop = centreCrop(h, w, ratio);
      if (!content && crop[0] === 1 && crop[1] === 1 && sample.mode !== 'nearest') {
        return F.interpolate(x, { size: [out[0], out[1]], mode: sample.mode, alignCorners: sample.alignCorners });
      }
      return affineCoord(x, [cropMat(...crop)], { ...sample, size: out, content });
    }
    const mats = Array.from({ length: n }, () => matrix(draw(ctx.rng, h, w)));
    if (sameSize && mats.every(isIdentity)) return x;
    return affineCoord(x, mats, { ...sample, size: out, content });
  };

  return {
    name: 'AffineCoordTfm',
    order: 30,
    options: opts,
    draw,
    matrix,
    describe: () =>
      `{size: ${size ? `${size[0]}x${size[1]}` : 'same'}, minScale: ${opts.minScale}, flip: ${opts.doFlip ? (opts.flipVert ? 'dihedral' : 'horizontal') : 'no'}, ` +
      `maxRotate: ${opts.maxRotate}, zoom: ${opts.minZoom}-${opts.maxZoom}, maxWarp: ${opts.maxWarp}, pAffine: ${opts.pAffine}, padMode: '${sample.padMode}'}`,
    apply: (batch, ctx) => batch.map((t, i) => (ctx.kinds[i] === 'image' ? transform(t, ctx, planOf(ctx.layouts?.[i])) : t)),
    resamplesPlan: true,
    spec: () => ({ type: 'AffineAug', options: specOptions }),
  };
}

/**
 * fastai's `aug_transforms` with its defaults, for `batchTfms`: one composed coordinate
 * transform (flip, warp, rotate, zoom, random-resized crop to `size`; one resample) and one
 * lighting transform. Training batches get random parameters per item (from the batch's
 * seeded generator); validation batches only the deterministic resize to `size`.
 *
 * @example
 * batchTfms: augTransforms({ size: 224, minScale: 0.75 })
 */
export function augTransforms(options: AugTransformsOptions = {}): BatchTransform[] {
  if (options === null || typeof options !== 'object') throw new TypeError(`augTransforms: options must be an object such as { size: 224 }, got ${describeArg(options)}`);
  const out: BatchTransform[] = [affineAug(options)];
  const maxLighting = checkNumber(WHO, 'maxLighting', options.maxLighting ?? 0.2, 0, 1, 'hi') * (options.mult ?? 1);
  const pLighting = checkProbability(WHO, 'pLighting', options.pLighting ?? 0.75);
  if (maxLighting > 0) out.push(Lighting({ maxLighting, pLighting }));
  const xtra = options.xtraTfms ?? [];
  if (!Array.isArray(xtra)) throw new TypeError(`augTransforms: xtraTfms must be an array of batch transforms, got ${describeArg(xtra)}`);
  return [...out, ...xtra];
}

/** The composed coordinate transform alone (what augTransforms puts first), for tests and custom pipelines. */
export function AffineAug(options: AugTransformsOptions = {}): AffineAugTransform {
  return affineAug(options);
}

registerSpec('AffineAug', (o) => AffineAug(o as AugTransformsOptions));
