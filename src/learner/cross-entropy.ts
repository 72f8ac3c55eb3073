/**
 * Cross-entropy as chapter 5 of the fastai book builds it, one step at a time: `sigmoid` for
 * one score, `softmax` for many, `logSoftmax` and `nllLoss` for the log-likelihood, and
 * `crossEntropy` (or the {@link CrossEntropyLoss} class) for both at once.
 *
 * @example
 * const acts = torch.tensor([[0.6734, 0.2576], [0.4689, 0.4607]]);
 * const targ = torch.tensor([0, 1], { dtype: 'int64' });
 * const smActs = softmax(acts);                        // rows sum to 1
 * nllLoss(logSoftmax(acts), targ);                     // equals crossEntropy(acts, targ)
 * new CrossEntropyLoss({ reduction: 'none' }).call(acts, targ); // one loss per item
 * @module
 */
import { F, type Tensor, torch } from '../torch/index.js';
import type { ClassificationLossOptions, Reduction } from '../torch/functional/loss.js';
import { lossClass, type LossFunction } from './losses.js';

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

/** Options for {@link CrossEntropyLoss}, as PyTorch's `nn.CrossEntropyLoss`. */
export interface CrossEntropyLossOptions {
  /** A weight per class (C). Kept by reference: it must stay alive while the loss is used. Default none. */
  weight?: Tensor | null;
  /** Default `'mean'` (weighted by `weight` when given); `'sum'`, or `'none'` for one loss per item. */
  reduction?: Reduction;
  /** Mixes the one-hot target with the uniform distribution. Default 0. */
  labelSmoothing?: number;
  /** Targets equal to this are ignored. Default -100. */
  ignoreIndex?: number;
}

/**
 * PyTorch's `nn.CrossEntropyLoss` as a fastai loss: scores (N, C) or (N, C, d1, ...), class axis
 * 1, against class indices (N) or (N, d1, ...); `call` gives {@link crossEntropy}. Activation
 * softmax and decodes argmax over axis 1, so a Learner can use it as its loss. Construct it with
 * or without `new`. Use `CrossEntropyLossFlat` for a class axis other than 1.
 */
class CrossEntropyLossModule implements LossFunction {
  readonly name: string = 'CrossEntropyLoss';
  readonly reduction: Reduction;
  readonly labelSmoothing: number;
  readonly weight: Tensor | null;
  readonly ignoreIndex: number;

  constructor(options: CrossEntropyLossOptions = {}) {
    const { weight = null, reduction = 'mean', labelSmoothing = 0, ignoreIndex = -100 } = options;
    if (!['mean', 'sum', 'none'].includes(reduction)) throw new RangeError(`CrossEntropyLoss: reduction must be one of 'mean', 'sum', 'none', not ${JSON.stringify(reduction)}`);
    if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) throw new RangeError(`CrossEntropyLoss: labelSmoothing must be in [0, 1], not ${labelSmoothing}`);
    this.weight = weight;
    this.reduction = reduction;
    this.labelSmoothing = labelSmoothing;
    this.ignoreIndex = ignoreIndex;
  }

  /** The loss of scores `acts` against class indices `targ`; `options.reduction` overrides the loss's own. */
  readonly call = (acts: Tensor, targ: Tensor, options: { reduction?: Reduction } = {}): Tensor =>
    torch.tidy(() => {
      if (acts.ndim < 2) {
        throw new RangeError(`CrossEntropyLoss: scores need a class axis 1, got shape [${acts.shape.join(', ')}]; for one score per item use BCEWithLogitsLossFlat`);
      }
      const t = targ.isFloatingPoint() || targ.dtype === 'int64' ? targ : targ.long();
      const w = this.weight && (this.weight.dtype === acts.dtype && this.weight.device === acts.device ? this.weight : this.weight.toDevice(acts.device, acts.dtype));
      return F.crossEntropy(acts, t, { weight: w, reduction: options.reduction ?? this.reduction, labelSmoothing: this.labelSmoothing, ignoreIndex: this.ignoreIndex });
    });

  /** Softmax over axis 1. */
  readonly activation = (x: Tensor): Tensor => x.softmax(1);
  /** Argmax over axis 1. */
  readonly decodes = (x: Tensor): Tensor => x.argmax(1);
}

/** The loss made by {@link CrossEntropyLoss}. */
export type CrossEntropyLoss = CrossEntropyLossModule;
/** {@inheritDoc CrossEntropyLossModule} */
export const CrossEntropyLoss = lossClass(CrossEntropyLossModule);
