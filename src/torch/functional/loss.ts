import { aten } from '../aten.js';
import { call, type Tensor } from '../tensor.js';

const OPS = {
  nll: aten('nll_loss_nd'), crossEntropy: aten('cross_entropy_loss'), bceLogits: aten('binary_cross_entropy_with_logits'),
  mse: aten('mse_loss'), l1: aten('l1_loss'), oneHot: aten('one_hot'),
};

/** How a loss over a batch is reduced. */
export type Reduction = 'none' | 'mean' | 'sum';
const REDUCTION: Record<Reduction, number> = { none: 0, mean: 1, sum: 2 };

function reduction(r: Reduction | undefined): number {
  const code = REDUCTION[r ?? 'mean'];
  if (code === undefined) throw new RangeError(`reduction must be 'none', 'mean' or 'sum', not '${String(r)}'`);
  return code;
}

/** Options for {@link nllLoss} and {@link crossEntropy}. */
export interface ClassificationLossOptions {
  /** A weight per class. Default: none. */
  weight?: Tensor | null;
  /** Default `'mean'` (weighted mean when `weight` is given). */
  reduction?: Reduction;
  /** Targets equal to this are ignored. Default -100. */
  ignoreIndex?: number;
}

/**
 * Negative log likelihood: `-input[i, target[i]]`, for log-probabilities `input` (N, C) and
 * class indices `target` (N). It takes no log itself.
 */
export function nllLoss(input: Tensor, target: Tensor, options: ClassificationLossOptions = {}): Tensor {
  return call(OPS.nll, input._h, target._h, options.weight?._h ?? null, reduction(options.reduction), options.ignoreIndex ?? -100);
}

/**
 * Cross-entropy from raw scores: `nllLoss(logSoftmax(input, 1), target)`.
 * `labelSmoothing` (default 0) mixes the one-hot target with the uniform distribution.
 */
export function crossEntropy(input: Tensor, target: Tensor, options: ClassificationLossOptions & { labelSmoothing?: number } = {}): Tensor {
  return call(
    OPS.crossEntropy, input._h, target._h, options.weight?._h ?? null, reduction(options.reduction),
    options.ignoreIndex ?? -100, options.labelSmoothing ?? 0,
  );
}

/** Binary cross-entropy on raw scores (numerically stable sigmoid + BCE). */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {},
): Tensor {
  return call(OPS.bceLogits, input._h, target._h, options.weight?._h ?? null, options.posWeight?._h ?? null, reduction(options.reduction));
}

/** Mean squared error `(input - target)^2`; `reduction` default `'mean'` (`'sum'`, `'none'`). */
export function mseLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  return call(OPS.mse, input._h, target._h, reduction(options.reduction));
}

/** Mean absolute error `|input - target|`; `reduction` default `'mean'` (`'sum'`, `'none'`). */
export function l1Loss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  return call(OPS.l1, input._h, target._h, reduction(options.reduction));
}

/** int64 one-hot encoding; `numClasses` defaults to max(target)+1. */
export function oneHot(target: Tensor, numClasses = -1): Tensor {
  return call(OPS.oneHot, target._h, numClasses);
}
