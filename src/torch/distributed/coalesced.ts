/**
 * The flatten-and-split steps PyTorch's DistributedDataParallel builds on (its C++
 * `broadcast_coalesced`, `take_tensors` and `compute_bucket_assignment_by_size`), written
 * again here because libtorch does not export them to C++ users; they follow PyTorch 1.13's
 * so that the collectives fastai-ts issues have the same sizes, dtypes and order as a Python
 * rank's (docs/distributed.md).
 * @module
 */
import { cat } from '../ops.js';
import type { DType } from '../dtype.js';
import { noGrad } from '../autograd.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { broadcast } from './index.js';

const BYTES: Record<string, number> = {
  float64: 8, float32: 4, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

/** Bytes per element of `dtype`. */
export function elementSize(dtype: DType): number {
  const n = BYTES[dtype];
  if (n === undefined) throw new Error(`distributed: tensors of dtype ${dtype} cannot be communicated`);
  return n;
}

/** Bytes of a tensor's elements. */
export function nbytes(t: Tensor): number {
  return t.numel() * elementSize(t.dtype);
}

/**
 * PyTorch's `take_tensors(tensors, sizeLimit)` for dense tensors: groups of positions, each
 * of one dtype and at most `sizeLimit` bytes (a group also closes when one tensor alone
 * exceeds it). A group is emitted when it fills; the groups still open at the end follow in
 * the order their dtype first appeared.
 */
export function takeTensors(tensors: readonly Tensor[], sizeLimit: number): number[][] {
  const open = new Map<DType, { idx: number[]; bytes: number }>();
  const out: number[][] = [];
  tensors.forEach((t, i) => {
    let g = open.get(t.dtype);
    if (!g) {
      g = { idx: [], bytes: 0 };
      open.set(t.dtype, g);
    }
    g.idx.push(i);
    g.bytes += nbytes(t);
    if (g.bytes >= sizeLimit) {
      out.push(g.idx);
      open.set(t.dtype, { idx: [], bytes: 0 });
    }
  });
  for (const g of open.values()) if (g.idx.length) out.push(g.idx);
  return out;
}

/** One flat 1-D copy of `tensors` (all of one dtype), in order. */
export function flatten(tensors: readonly Tensor[]): Tensor {
  return tidy(() => cat(tensors.map((t) => t.reshape(-1))));
}

/** Copies the pieces of `flat` back into `tensors` (the inverse of {@link flatten}). */
export function unflattenInto(flat: Tensor, tensors: readonly Tensor[]): void {
  noGrad(() => tidy(() => {
    let at = 0;
    for (const t of tensors) {
      const n = t.numel();
      t.copy_(flat.narrow(0, at, n).view(t.shape));
      at += n;
    }
  }));
}

/**
 * PyTorch's `broadcast_coalesced(group, tensors, bufferSize, src)`: the tensors grouped by
 * {@link takeTensors}, each group flattened, broadcast from `src` and copied back, in order.
 */
export async function broadcastCoalesced(tensors: readonly Tensor[], bufferSize: number, src = 0): Promise<void> {
  const groups = takeTensors(tensors, bufferSize);
  // Enqueue every broadcast now (program order), then wait and copy back.
  const flats = groups.map((g) => flatten(g.map((i) => tensors[i]!)));
  try {
    await Promise.all(flats.map((f) => broadcast(f, { src })));
    groups.forEach((g, k) => unflattenInto(flats[k]!, g.map((i) => tensors[i]!)));
  } finally {
    for (const f of flats) f.dispose();
  }
}

/**
 * PyTorch's `compute_bucket_assignment_by_size`: parameter positions grouped into buckets of
 * one dtype, closed when they reach the current size limit; the limits are used in turn and
 * the last repeats. Without `order` the buckets come out sorted by their smallest position;
 * with `order` (positions in the order their gradients became ready) they keep that order.
 */
export function bucketAssignment(params: readonly Tensor[], sizeLimits: readonly number[], order?: readonly number[]): number[][] {
  const positions = order ?? params.map((_, i) => i);
  const open = new Map<DType, { idx: number[]; bytes: number; limit: number }>();
  const out: number[][] = [];
  for (const i of positions) {
    const t = params[i]!;
    let g = open.get(t.dtype);
    if (!g) {
      g = { idx: [], bytes: 0, limit: 0 };
      open.set(t.dtype, g);
    }
    g.idx.push(i);
    g.bytes += nbytes(t);
    if (g.bytes >= sizeLimits[Math.min(g.limit, sizeLimits.length - 1)]!) {
      out.push(g.idx);
      open.set(t.dtype, { idx: [], bytes: 0, limit: g.limit + 1 });
    }
  }
  for (const g of open.values()) if (g.idx.length) out.push(g.idx);
  if (!order) out.sort((a, b) => Math.min(...a) - Math.min(...b));
  return out;
}
