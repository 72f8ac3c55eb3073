import { aten } from '../aten.js';
import { call, type Tensor } from '../tensor.js';

const BATCH_NORM = aten('batch_norm');

/** Options for {@link batchNorm}. */
export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Use batch statistics and update the running ones (default false: use the running ones). */
  training?: boolean;
  /** Running-statistics update rate. Default 0.1. */
  momentum?: number;
  /** Default 1e-5. */
  eps?: number;
}

/**
 * Batch normalisation over the channel dimension (dim 1). In training mode the running
 * statistics, when given, are updated in place (`running = (1-momentum)*running + momentum*batch`,
 * with the unbiased batch variance), as PyTorch.
 */
export function batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormOptions = {}): Tensor {
  const training = options.training ?? false;
  if (!training && (!runningMean || !runningVar)) {
    throw new Error('batchNorm: evaluation mode needs runningMean and runningVar (or pass training: true)');
  }
  return call(
    BATCH_NORM, input._h, options.weight?._h ?? null, options.bias?._h ?? null, runningMean?._h ?? null,
    runningVar?._h ?? null, training, options.momentum ?? 0.1, options.eps ?? 1e-5, true,
  );
}
