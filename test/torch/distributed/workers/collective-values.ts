// What each rank contributes to the collectives in collectives.test.ts, as functions of the
// rank, so the test computes the expected results itself. Elements alternate which rank is
// largest (so max and min take values from different ranks), and every value is exact in
// float32 (integers and halves), so sums compare exactly.
import { torch, type Tensor } from '../../../../src/index.js';

/** Elements per small tensor. */
export const N = 6;

/** Rank `rank`'s floating-point values: element i is ±rank * (i + 1) + i / 2. */
export function floats(rank: number): number[] {
  return Array.from({ length: N }, (_, i) => (i % 2 === 0 ? 1 : -1) * rank * (i + 1) + i / 2);
}

/** Rank `rank`'s int64 values, beyond 2^53 so a float round trip would show. */
export function longs(rank: number): bigint[] {
  return Array.from({ length: N }, (_, i) => (i % 2 === 0 ? 1n : -1n) * BigInt(rank) * (2n ** 58n + 3n * BigInt(i)) + BigInt(i));
}

/** Rank `rank`'s values for the k-th of the ResNet-18 parameter tensors (float32). */
export function paramValues(rank: number, k: number, shape: readonly number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  // i / 64 + rank * 1000 + k: exact in float32 for ResNet-18 sizes, and so are sums of two.
  return torch.tidy(() => torch.arange(0, n, 1, { dtype: 'float32' }).div(64).add(rank * 1000 + k).reshape(shape as number[]));
}
