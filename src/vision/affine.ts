/**
 * Coordinate transforms for batch augmentation. Every transform is a 3x3 matrix in normalised
 * coordinates ([-1, 1] across the image) that maps an *output* point to the *input* point it
 * samples, as fastai's; warps are projective, so the product of flip, rotation, zoom, warp and
 * crop is still one 3x3 matrix per item, and a batch is resampled once with one `gridSample`.
 * @module
 */
import { F, torch, type Tensor } from '../torch/index.js';

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
}

/** Normalised output coordinates (x, y, 1) for every output pixel, row-major: [h*w, 3]. */
function baseGrid(h: number, w: number, alignCorners: boolean, device: string): Tensor {
  const axis = (n: number) => {
    const l = torch.linspace(-1, 1, n, { device });
    // Without align_corners the extreme samples sit half a pixel inside, as PyTorch's affine_grid.
    return alignCorners || n === 1 ? l : l.mul((n - 1) / n);
  };
  const xs = axis(w).unsqueeze(0).expand(h, w);
  const ys = axis(h).unsqueeze(1).expand(h, w);
  return torch.stack([xs, ys, torch.ones([h, w], { device })], -1).reshape(h * w, 3);
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
  const flat = new Float32Array(n * 9);
  for (let i = 0; i < n; i++) flat.set(mats[mats.length === 1 ? 0 : i]!, i * 9);
  const projective = mats.some((m) => m[6] !== 0 || m[7] !== 0 || m[8] !== 1);
  return torch.tidy(() => {
    const m = torch.tensor(flat, [n, 3, 3], { device: x.device });
    const pts = baseGrid(oh, ow, alignCorners, x.device).matmul(m.transpose(1, 2)); // [n, oh*ow, 3]
    const xy = projective ? pts.narrow(2, 0, 2).div(pts.narrow(2, 2, 1)) : pts.narrow(2, 0, 2);
    const grid = xy.reshape(n, oh, ow, 2).to(x.dtype);
    return F.gridSample(x, grid, { mode: options.mode ?? 'bilinear', paddingMode: options.padMode ?? 'reflection', alignCorners });
  });
}
