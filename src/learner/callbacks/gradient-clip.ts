/**
 * GradientClip: clips the gradients' total norm before each step (fastai's, PyTorch's
 * `clip_grad_norm_`).
 * @module
 */
import { type Tensor, torch } from '../../torch/index.js';
import { Callback } from '../callback.js';

/**
 * Scales the gradients of `params` in place so their total `normType` norm is at most
 * `maxNorm` (PyTorch's `clip_grad_norm_`, with its 1e-6 guard). Returns the total norm before
 * clipping. Parameters without a gradient are ignored.
 */
export function clipGradNorm_(params: readonly Tensor[], maxNorm: number, normType = 2): number {
  return torch.tidy(() => {
    const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
    if (!grads.length) return 0;
    const norm = (t: Tensor) => (normType === Infinity ? t.abs().max() : normType === 2 ? t.float().square().sum().sqrt() : t.float().abs().pow(normType).sum().pow(1 / normType));
    const total = norm(torch.stack(grads.map(norm))).item();
    const coef = maxNorm / (total + 1e-6);
    if (coef < 1) torch.foreach.mul_(grads, coef);
    return total;
  });
}

/** Clips the gradients' total norm to `maxNorm` (default 1) before every optimizer step. */
export class GradientClip extends Callback {
  override runValid = false;

  /**
   * @param maxNorm default 1
   * @param normType default 2 (Infinity for the largest absolute value)
   */
  constructor(
    readonly maxNorm = 1,
    readonly normType = 2,
  ) {
    super();
    if (!(maxNorm > 0)) throw new RangeError(`GradientClip: maxNorm must be > 0, got ${maxNorm}`);
  }

  override beforeStep(): void {
    clipGradNorm_(this.learn.opt?.paramGroups.flat() ?? this.learn.model.parameters(), this.maxNorm, this.normType);
  }
}
