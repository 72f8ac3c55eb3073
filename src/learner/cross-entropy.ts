/**
 * Cross-entropy as chapter 5 of the fastai book builds it, one step at a time: `sigmoid` for
 * one score, `softmax` for many, `logSoftmax` and `nllLoss` for the log-likelihood, and
 * `crossEntropy` (or the `CrossEntropyLoss` class, in losses.ts) for both at once.
 *
 * @example
 * const acts = torch.tensor([[0.6734, 0.2576], [0.4689, 0.4607]]);
 * const targ = torch.tensor([0, 1], { dtype: 'int64' });
 * const smActs = softmax(acts);                        // rows sum to 1
 * nllLoss(logSoftmax(acts), targ);                     // equals crossEntropy(acts, targ)
 * new CrossEntropyLoss({ reduction: 'none' }).call(acts, targ); // one loss per item
 * @module
 */
import { F, type Tensor } from '../torch/index.js';
import type { ClassificationLossOptions } from '../torch/functional/loss.js';

/**
 * `1 / (1 + exp(-x))`, elementwise: squashes any score into (0, 1), the probability of "yes"
 * for a single binary output.
 */
export function sigmoid(x: Tensor): Tensor {
  return F.sigmoid(x);
}

/**
 * `exp(x) / sum(exp(x))` along `dim` (default -1, the class axis of (N, C) scores): turns a row
 * of scores into probabilities that are all positive and sum to 1, and amplifies the largest.
 * For two classes, `softmax(acts)[:, 0]` equals `sigmoid(acts[:, 0] - acts[:, 1])`.
 */
export function softmax(x: Tensor, dim = -1): Tensor {
  return F.softmax(x, dim);
}

/**
 * `log(softmax(x))` along `dim` (default -1), computed in one numerically stable step; the
 * input {@link nllLoss} expects.
 */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  return F.logSoftmax(x, dim);
}

/**
 * Negative log-likelihood: picks `-x[i, targ[i]]` for each row of `x` (N, C) and reduces
 * (`reduction` default `'mean'`). Despite its name it takes no log: give it log-probabilities
 * (`logSoftmax`), as PyTorch's `nll_loss`. `targ` holds class indices (int64).
 */
export function nllLoss(x: Tensor, targ: Tensor, options: ClassificationLossOptions = {}): Tensor {
  return F.nllLoss(x, targ, options);
}

/**
 * Cross-entropy from raw scores: `nllLoss(logSoftmax(acts), targ)`, the loss of a single-label
 * classifier. Options: `reduction` (default `'mean'`), `weight` per class, `labelSmoothing`
 * (default 0), `ignoreIndex` (default -100).
 */
export function crossEntropy(acts: Tensor, targ: Tensor, options: ClassificationLossOptions & { labelSmoothing?: number } = {}): Tensor {
  return F.crossEntropy(acts, targ, options);
}
