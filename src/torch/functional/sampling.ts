import { aten } from '../aten.js';
import { call, type Tensor } from '../tensor.js';

const OPS = {
  bilinear: aten('upsample_bilinear2d', 'vec'), nearest: aten('upsample_nearest2d', 'vec'),
  bilinearAA: aten('_upsample_bilinear2d_aa', 'vec'), bicubic: aten('upsample_bicubic2d', 'vec'),
  affineGrid: aten('affine_grid_generator'), gridSampler: aten('grid_sampler'),
};

/** Options for {@link interpolate}: give `size` or `scaleFactor`. */
export interface InterpolateOptions {
  /** Output [height, width] (a number for both). */
  size?: number | [number, number];
  scaleFactor?: number | [number, number];
  /** Default `'nearest'`. */
  mode?: 'nearest' | 'bilinear' | 'bicubic';
  /** Default false (bilinear/bicubic only). */
  alignCorners?: boolean;
  /** Low-pass filter when downsampling (bilinear only), as PIL does. Default false. */
  antialias?: boolean;
}

/** Resizes NCHW images. */
export function interpolate(input: Tensor, options: InterpolateOptions): Tensor {
  const { mode = 'nearest' } = options;
  const size = options.size === undefined ? null : typeof options.size === 'number' ? [options.size, options.size] : options.size;
  const scale = options.scaleFactor === undefined ? null : typeof options.scaleFactor === 'number' ? [options.scaleFactor, options.scaleFactor] : options.scaleFactor;
  if ((size === null) === (scale === null)) throw new Error('interpolate: give exactly one of size and scaleFactor');
  if (mode === 'nearest') {
    if (options.alignCorners !== undefined) throw new Error("interpolate: alignCorners only applies to 'bilinear' and 'bicubic' modes");
    return call(OPS.nearest, input._h, size, scale);
  }
  const op = mode === 'bicubic' ? OPS.bicubic : options.antialias ? OPS.bilinearAA : OPS.bilinear;
  return call(op, input._h, size, options.alignCorners ?? false, scale);
}

/**
 * A sampling grid (N, H, W, 2) for the affine matrices `theta` (N, 2, 3) and output `size`
 * [N, C, H, W], in normalised [-1, 1] coordinates.
 */
export function affineGrid(theta: Tensor, size: number[], alignCorners = false): Tensor {
  return call(OPS.affineGrid, theta._h, size, alignCorners);
}

/** Options for {@link gridSample}. */
export interface GridSampleOptions {
  /** Default `'bilinear'`. */
  mode?: 'bilinear' | 'nearest' | 'bicubic';
  /** What samples outside the input read. Default `'zeros'`. */
  paddingMode?: 'zeros' | 'border' | 'reflection';
  /** Default false. */
  alignCorners?: boolean;
}

const MODES = { bilinear: 0, nearest: 1, bicubic: 2 } as const;
const PADDING = { zeros: 0, border: 1, reflection: 2 } as const;

/** Samples `input` (N, C, H, W) at the normalised coordinates of `grid` (N, Ho, Wo, 2). */
export function gridSample(input: Tensor, grid: Tensor, options: GridSampleOptions = {}): Tensor {
  const mode = MODES[options.mode ?? 'bilinear'];
  const padding = PADDING[options.paddingMode ?? 'zeros'];
  if (mode === undefined) throw new RangeError(`gridSample: mode must be bilinear, nearest or bicubic, not '${options.mode}'`);
  if (padding === undefined) throw new RangeError(`gridSample: paddingMode must be zeros, border or reflection, not '${options.paddingMode}'`);
  return call(OPS.gridSampler, input._h, grid._h, mode, padding, options.alignCorners ?? false);
}
