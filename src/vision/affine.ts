/**
 * Coordinate transforms for batch augmentation. Every transform is a 3x3 matrix in normalised
 * coordinates ([-1, 1] across the image) that maps an *output* point to the *input* point it
 * samples, as fastai's; warps are projective, so the product of flip, rotation, zoom, warp and
 * crop is still one 3x3 matrix per item, and a batch is resampled once with one `gridSample`.
 * @module
 */
import { F, torch, type Tensor } from '../torch/index.js';
import type { ResamplePlan } from './resample-plan.js';

/** A 3x3 matrix, row-major. */
export type Mat3 = readonly number[];

/** The identity. */
export const identityMat: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

/** a @ b. */
export function matmul3(a: Mat3, b: Mat3): number[] {
  const out = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) out[i * 3 + j]! += a[i * 3 + k]! * b[k * 3 + j]!;
  return out;
}

/** The product of matrices, left to right: `mats[0] @ mats[1] @ ...`. */
export function composeMats(...mats: Mat3[]): number[] {
  return mats.reduce<number[]>((acc, m) => matmul3(acc, m), [...identityMat]);
}

/** Horizontal flip. */
export function flipMat(): Mat3 {
  return [-1, 0, 0, 0, 1, 0, 0, 0, 1];
}

/** One of the 8 symmetries of the square (k = 0 is the identity), as fastai's `dihedral_mat`. */
export function dihedralMat(k: number): Mat3 {
  if (!Number.isInteger(k) || k < 0 || k > 7) throw new RangeError(`dihedralMat: k must be 0..7, got ${k}`);
  const xs = [1, -1, 1, -1, -1, 1, 1, -1][k]!;
  const ys = [1, 1, -1, 1, -1, -1, 1, -1][k]!;
  const m0 = [1, 1, 1, 0, 1, 0, 0, 0][k]!;
  const m1 = [0, 0, 0, 1, 0, 1, 1, 1][k]!;
  return [xs * m0, xs * m1, 0, ys * m1, ys * m0, 0, 0, 0, 1];
}

/** Rotation by `deg` degrees (fastai's `rotate_mat`: 90 maps output (x, y) to input (y, -x)). */
export function rotateMat(deg: number): Mat3 {
  const t = (deg * Math.PI) / 180;
  const c = Math.cos(t);
  const s = Math.sin(t);
  return [c, s, 0, -s, c, 0, 0, 0, 1];
}

/** Zoom in by `scale` (> 1 zooms in) centred at (colPct, rowPct) in [0, 1], as fastai's `zoom_mat`. */
export function zoomMat(scale: number, colPct = 0.5, rowPct = 0.5): Mat3 {
  const s = 1 / scale;
  return [s, 0, (1 - s) * (2 * colPct - 1), 0, s, (1 - s) * (2 * rowPct - 1), 0, 0, 1];
}

/**
 * A crop covering the fraction (fx, fy) of the width and height centred at (cx, cy) in
 * normalised coordinates: output [-1, 1] maps to [cx - fx, cx + fx].
 */
export function cropMat(fx: number, fy: number, cx = 0, cy = 0): Mat3 {
  return [fx, 0, cx, 0, fy, cy, 0, 0, 1];
}

/** Solves the n x n system a x = b in place (Gaussian elimination with partial pivoting). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    [a[c], a[p]] = [a[p]!, a[c]!];
    [b[c], b[p]] = [b[p]!, b[c]!];
    const pivot = a[c]![c]!;
    if (Math.abs(pivot) < 1e-12) throw new RangeError('warpMat: the warp is degenerate (magnitude too large)');
    for (let r = c + 1; r < n; r++) {
      const f = a[r]![c]! / pivot;
      for (let k = c; k < n; k++) a[r]![k]! -= f * a[c]![k]!;
      b[r]! -= f * b[c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let k = r + 1; k < n; k++) s -= a[r]![k]! * x[k]!;
    x[r] = s / a[r]![r]!;
  }
  return x;
}

/**
 * fastai's perspective `Warp` as a 3x3 projective matrix: the corners move by the magnitudes
 * `mx` (horizontal) and `my` (vertical), in normalised units (fastai's `find_coeffs` from the
 * original to the target corners).
 */
export function warpMat(mx: number, my: number): Mat3 {
  if (mx === 0 && my === 0) return identityMat;
  const orig = [[-1, -1], [-1, 1], [1, -1], [1, 1]];
  const targ = [[-1 - my, -1 - mx], [-1 + my, 1 + mx], [1 + my, -1 + mx], [1 - my, 1 - mx]];
  const a: number[][] = [];
  const b: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [p1x, p1y] = orig[i]!;
    const [p2x, p2y] = targ[i]!;
    a.push([p2x!, p2y!, 1, 0, 0, 0, -p1x! * p2x!, -p1x! * p2y!]);
    a.push([0, 0, 0, p2x!, p2y!, 1, -p1y! * p2x!, -p1y! * p2y!]);
    b.push(p1x!, p1y!);
  }
  return [...solve(a, b), 1];
}

/** Options for {@link affineCoord}. */
export interface AffineCoordOptions {
  /** Output [height, width] (a number for a square). Default: the input's. */
  size?: number | readonly [number, number];
  /** Default 'bilinear'. */
  mode?: 'bilinear' | 'nearest' | 'bicubic';
  /** What points outside the image read. Default 'reflection' (as fastai). */
  padMode?: 'zeros' | 'border' | 'reflection';
  /** Default true (as fastai). */
  alignCorners?: boolean;
  /**
   * The input items are not yet at their size: item i's pixels fill the top-left `sizes[i]`
   * ([height, width]) of `x` and stand for the image enlarged to `target` ([height, width]).
   * The matrices act on that enlarged image, and the enlargement happens within this one
   * resample (a {@link ResamplePlan}). Default: every item fills `x`.
   */
  content?: Pick<ResamplePlan, 'target' | 'sizes'>;
}

/** Per item and axis, the map from the enlarged image's normalised coordinates to the batch tensor's, c = a*x + b, and the range [lo, hi] of the item's pixel centres there. */
interface ContentMap {
  a: Float32Array;
  b: Float32Array;
  lo: Float32Array;
  hi: Float32Array;
}

/**
 * Pixel centres scale as in a bilinear resize, c = (p + 0.5) * size / target - 0.5, then
 * become normalised coordinates of the batch tensor (`canvas`: [height, width]). Slot 0 of
 * each item is the x (width) axis, slot 1 the y axis, as in the sampling grid.
 */
function contentMap(content: NonNullable<AffineCoordOptions['content']>, canvas: readonly [number, number], alignCorners: boolean): ContentMap {
  const n = content.sizes.length;
  const m = { a: new Float32Array(n * 2), b: new Float32Array(n * 2), lo: new Float32Array(n * 2), hi: new Float32Array(n * 2) };
  content.sizes.forEach(([h, w], i) => {
    for (const [k, size, target, full] of [[0, w, content.target[1], canvas[1]], [1, h, content.target[0], canvas[0]]] as const) {
      const j = i * 2 + k;
      if (alignCorners) {
        m.a[j] = ((target - 1) * size) / (target * (full - 1));
        m.b[j] = (size - 1) / (full - 1) - 1;
        m.lo[j] = -1;
        m.hi[j] = (2 * (size - 1)) / (full - 1) - 1;
      } else {
        m.a[j] = size / full;
        m.b[j] = size / full - 1;
        m.lo[j] = 1 / full - 1;
        m.hi[j] = (2 * size - 1) / full - 1;
      }
    }
  });
  return m;
}

/**
 * Applies the padding mode of the enlarged images to grid points already mapped into the batch
 * tensor (`xy` [n, oh, ow, 2]): each image's edges lie at b ± a there. Reflection folds about
 * them (2*clamp(x) - x, exact within one image width, far beyond any augmentation), border
 * clamps at them, zeros sends outside points far outside; then points are kept within each
 * item's pixels (the batch tensor holds zeros beyond them).
 */
function padContent(xy: Tensor, map: ContentMap, padMode: string): Tensor {
  const n = xy.shape[0]!;
  const values = (f: (j: number) => number) => Float32Array.from({ length: n * 2 }, (_, j) => f(j));
  const bounds = [values((j) => map.b[j]! - map.a[j]!), values((j) => map.b[j]! + map.a[j]!), map.lo, map.hi];
  // Usually every item and axis shares its bounds (square crops of one size): scalar clamps are one op each.
  const uniform = bounds.every((v) => v.every((x) => x === v[0]));
  const t = (v: Float32Array) => torch.tensor(v, [n, 1, 1, 2], { device: xy.device });
  const [edgeLo, edgeHi, lo, hi] = uniform ? bounds.map((v) => v[0]!) : bounds.map(t);
  const clamp_ = (v: Tensor, a: number | Tensor, b: number | Tensor) =>
    typeof a === 'number' ? v.clamp_(a, b as number) : v.copy_(v.maximum(a).minimum(b as Tensor));
  const clamp = (v: Tensor, a: number | Tensor, b: number | Tensor) => (typeof a === 'number' ? v.clamp(a, b as number) : v.maximum(a).minimum(b as Tensor));
  if (padMode === 'reflection') return clamp_(clamp(xy, edgeLo!, edgeHi!).mul_(2).sub_(xy), lo!, hi!);
  if (padMode === 'border') return clamp(xy, lo!, hi!);
  const outside = (typeof edgeLo === 'number' ? xy.lt(edgeLo).logicalOr(xy.gt(edgeHi as number)) : xy.lt(edgeLo!).logicalOr(xy.gt(edgeHi!))).any(3, true);
  return torch.where(outside, 3, clamp(xy, lo!, hi!)); // far outside the batch tensor: reads zeros
}

/** Normalised coordinates of `n` output pixels along an axis, as PyTorch's affine_grid places them. */
function axis(n: number, alignCorners: boolean, device: string): Tensor {
  const l = torch.linspace(-1, 1, n, { device });
  // Without align_corners the extreme samples sit half a pixel inside.
  return alignCorners || n === 1 ? l : l.mul((n - 1) / n);
}

/**
 * The sampling grid [n, oh, ow, 2]: each output point (x, y, 1) through its item's matrix
 * (rows of `flat`, 9 per item), divided by the third coordinate when projective. Built with
 * broadcast multiply-adds: a batched matmul with an inner size of 3 is several times slower.
 */
function grid(flat: Float32Array, n: number, oh: number, ow: number, projective: boolean, alignCorners: boolean, device: string): Tensor {
  const coef = torch.tensor(flat, [n, 9, 1, 1], { device });
  const X = axis(ow, alignCorners, device).view(1, 1, ow);
  const Y = axis(oh, alignCorners, device).view(1, oh, 1);
  // a*X + c is [n, 1, ow] and b*Y is [n, oh, 1]: only their sum is full size.
  const row = (r: number) => coef.select(1, r * 3).mul(X).add(coef.select(1, r * 3 + 2)).add(coef.select(1, r * 3 + 1).mul(Y));
  let x = row(0);
  let y = row(1);
  if (projective) {
    const w = row(2);
    x = x.div(w);
    y = y.div(w);
  }
  return torch.stack([x, y], -1);
}

/**
 * Resamples a batch `x` [N, C, H, W] (float) through one 3x3 matrix per item (`mats`: N
 * matrices, or one for all), output point -> input point in normalised coordinates, with one
 * `gridSample`. Returns a new tensor; frees its intermediates.
 */
export function affineCoord(x: Tensor, mats: readonly Mat3[], options: AffineCoordOptions = {}): Tensor {
  const [n, , h, w] = x.shape as [number, number, number, number];
  const [oh, ow] = options.size === undefined ? [h, w] : typeof options.size === 'number' ? [options.size, options.size] : options.size;
  if (mats.length !== n && mats.length !== 1) throw new RangeError(`affineCoord: ${mats.length} matrices for a batch of ${n}`);
  const alignCorners = options.alignCorners ?? true;
  const padMode = options.padMode ?? 'reflection';
  const content = options.content;
  if (content && content.sizes.length !== n) throw new RangeError(`affineCoord: content sizes for ${content.sizes.length} items, batch of ${n}`);
  const map = content ? contentMap(content, [h, w], alignCorners) : null;
  // The map from the enlarged image into the batch tensor is affine: it joins each matrix.
  const flat = new Float32Array(n * 9);
  for (let i = 0; i < n; i++) {
    const m = mats[mats.length === 1 ? 0 : i]!;
    flat.set(map ? composeMats([map.a[i * 2]!, 0, map.b[i * 2]!, 0, map.a[i * 2 + 1]!, map.b[i * 2 + 1]!, 0, 0, 1], m) : m, i * 9);
  }
  const projective = mats.some((m) => m[6] !== 0 || m[7] !== 0 || m[8] !== 1);
  return torch.tidy(() => {
    let xy = grid(flat, n, oh, ow, projective, alignCorners, x.device);
    if (map) xy = padContent(xy, map, padMode);
    // With content, padding was applied on the enlarged images above; 'border' only guards rounding.
    return F.gridSample(x, xy.to(x.dtype), { mode: options.mode ?? 'bilinear', paddingMode: map && padMode !== 'zeros' ? 'border' : padMode, alignCorners });
  });
}
