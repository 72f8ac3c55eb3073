/**
 * Loss functions as fastai's loss wrappers: a loss knows its reduction, the activation that turns
 * raw model outputs into probabilities (`getPreds`) and how to decode them into labels (`predict`).
 *
 * The `*Flat` losses move the class axis last and flatten, so one loss handles (N, C) and
 * (N, C, H, W) predictions alike. They move the axis (keeping the other axes in order) where
 * fastai's `BaseLoss` swaps it with the last one (`transpose(axis, -1)`); the mean and sum are
 * the same, and a `'none'` reduction lists the items in their natural (N, H, W) order.
 * @module
 */
import { F, type Tensor, torch } from '../torch/index.js';
import type { Reduction } from '../torch/functional/loss.js';

export type { Reduction };

/** A loss with fastai's extras. `call` reduces with the loss's own reduction unless told otherwise. */
export interface LossFunction {
  /** The loss of `pred` against `targ`; `options.reduction` overrides the loss's own (usually `'mean'`). */
  call(pred: Tensor, targ: Tensor, options?: { reduction?: Reduction }): Tensor;
  /** Raw outputs to probabilities (softmax for cross-entropy); identity when absent. */
  activation?(x: Tensor): Tensor;
  /** Outputs (raw or activated) to labels (argmax for cross-entropy). */
  decodes?(x: Tensor): Tensor;
  readonly name: string;
}

/** A {@link LossFunction}, or a plain `(pred, targ) => loss` function (reduced by the function itself). */
export type LossFunc = LossFunction | ((pred: Tensor, targ: Tensor) => Tensor);

function normAxis(axis: number, ndim: number, what: string): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new RangeError(`${what}: axis ${axis} is out of range for a prediction with ${ndim} dimensions; use -1 (last) or the class axis, e.g. 1 for (N, C, H, W)`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/** `x` with axis `axis` moved last (a view; no copy when it is already last). */
function moveLast(x: Tensor, axis: number, what: string): Tensor {
  const a = normAxis(axis, x.ndim, what);
  if (a === x.ndim - 1) return x;
  const dims = [...Array(x.ndim).keys()].filter((d) => d !== a);
  return x.permute(...dims, a);
}

/** A per-class weight on the prediction's device and dtype (a temporary inside the caller's tidy). */
function weightFor(w: Tensor | null | undefined, pred: Tensor): Tensor | null {
  if (!w) return null;
  if (w.device !== pred.device) return w.toDevice(pred.device, pred.dtype);
  return w.dtype === pred.dtype ? w : w.to(pred.dtype);
}

const INT_TARGETS = new Set(['int8', 'int16', 'int32', 'uint8']);

/** Options for {@link CrossEntropyLossFlat}. */
export interface CrossEntropyLossFlatOptions {
  /** The class axis of the prediction. Default -1 (last). */
  axis?: number;
  /** A weight per class (C). Kept by reference: it must stay alive while the loss is used. Default none. */
  weight?: Tensor | null;
  /** Mixes the one-hot target with the uniform distribution (PyTorch's `label_smoothing`). Default 0. */
  labelSmoothing?: number;
  /** Default `'mean'` (weighted by `weight` when given). */
  reduction?: Reduction;
  /** Move the axis last and flatten pred to (N*, C), targ to (N*). Default true. */
  flatten?: boolean;
  /** Targets equal to this are ignored. Default -100. */
  ignoreIndex?: number;
}

/** The loss made by {@link CrossEntropyLossFlat}. */
export interface CrossEntropyLossFlat extends LossFunction {
  readonly axis: number;
  readonly reduction: Reduction;
  readonly labelSmoothing: number;
  activation(x: Tensor): Tensor;
  decodes(x: Tensor): Tensor;
}

/**
 * fastai's `CrossEntropyLossFlat`: cross-entropy over class axis `axis` (default -1) of any
 * prediction shape, flattened to (N*, C) against integer targets flattened to (N*); activation
 * softmax over `axis`, decodes argmax over `axis`. The default loss of a single-label classifier.
 *
 * @example
 * const loss = CrossEntropyLossFlat({ labelSmoothing: 0.1 });
 * loss.call(logits, labels);                          // mean
 * loss.call(logits, labels, { reduction: 'none' });   // one value per item
 */
export function CrossEntropyLossFlat(options: CrossEntropyLossFlatOptions = {}): CrossEntropyLossFlat {
  const { axis = -1, weight = null, labelSmoothing = 0, reduction = 'mean', flatten = true, ignoreIndex = -100 } = options;
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new RangeError(`CrossEntropyLossFlat: labelSmoothing must be in [0, 1], not ${labelSmoothing}`);
  }
  return {
    name: 'CrossEntropyLossFlat',
    axis,
    reduction,
    labelSmoothing,
    call(pred, targ, opts = {}) {
      return torch.tidy(() => {
        let p = pred;
        let t = INT_TARGETS.has(targ.dtype) ? targ.long() : targ;
        if (flatten) {
          p = moveLast(p, axis, 'CrossEntropyLossFlat');
          p = p.reshape(-1, p.shape[p.ndim - 1]!);
          t = t.reshape(-1);
          if (t.shape[0] !== p.shape[0]) {
            throw new RangeError(
              `CrossEntropyLossFlat: ${p.shape[0]} predictions (shape [${pred.shape.join(', ')}], class axis ${axis}) but ${t.shape[0]} targets (shape [${targ.shape.join(', ')}]); ` +
                'targets hold one class index per prediction',
            );
          }
        } else if (normAxis(axis, p.ndim, 'CrossEntropyLossFlat') !== 1) {
          p = moveLast(p, axis, 'CrossEntropyLossFlat').permute(0, p.ndim - 1, ...[...Array(p.ndim - 2).keys()].map((d) => d + 1));
        }
        return F.crossEntropy(p, t, { weight: weightFor(weight, p), reduction: opts.reduction ?? reduction, ignoreIndex, labelSmoothing });
      });
    },
    activation: (x) => x.softmax(axis),
    decodes: (x) => x.argmax(axis),
  };
}

/** Options for {@link BCEWithLogitsLossFlat}. */
export interface BCEWithLogitsLossFlatOptions {
  /** The class axis. Default -1 (last). */
  axis?: number;
  /** A weight broadcast over (N*, C), e.g. one per class. Kept by reference. Default none. */
  weight?: Tensor | null;
  /** A weight for positive examples, one per class (C). Kept by reference. Default none. */
  posWeight?: Tensor | null;
  /** Threshold on the sigmoid output used by `decodes`. Default 0.5. */
  thresh?: number;
  /** Cast integer or boolean targets to float. Default true. */
  floatify?: boolean;
  /** Default `'mean'`. */
  reduction?: Reduction;
  /** Move the axis last and flatten. Default true. */
  flatten?: boolean;
}

/** The loss made by {@link BCEWithLogitsLossFlat}. */
export interface BCEWithLogitsLossFlat extends LossFunction {
  readonly axis: number;
  readonly thresh: number;
  readonly reduction: Reduction;
  activation(x: Tensor): Tensor;
  decodes(x: Tensor): Tensor;
}

/**
 * fastai's `BCEWithLogitsLossFlat` for multi-label targets (one 0/1 per class): binary
 * cross-entropy on raw scores, targets the same shape as the prediction; activation sigmoid,
 * decodes `x > thresh` (on activations). With `reduction: 'none'` it returns one value per
 * (item, class), flattened as fastai's. Weights broadcast over (N*, C), so a per-class
 * `posWeight` works with any batch size (fastai flattens to one dimension first, where it does not).
 */
export function BCEWithLogitsLossFlat(options: BCEWithLogitsLossFlatOptions = {}): BCEWithLogitsLossFlat {
  const { axis = -1, weight = null, posWeight = null, thresh = 0.5, floatify = true, reduction = 'mean', flatten = true } = options;
  return {
    name: 'BCEWithLogitsLossFlat',
    axis,
    thresh,
    reduction,
    call(pred, targ, opts = {}) {
      return torch.tidy(() => {
        if (targ.shape.join() !== pred.shape.join()) {
          throw new RangeError(
            `BCEWithLogitsLossFlat: targets of shape [${targ.shape.join(', ')}] do not match predictions of shape [${pred.shape.join(', ')}]; ` +
              'give one 0/1 (or probability) per class, e.g. a multi-hot encoding',
          );
        }
        let p = pred;
        let t = targ;
        if (floatify && !t.isFloatingPoint()) t = t.to(p.isFloatingPoint() ? p.dtype : 'float32');
        if (flatten) {
          p = moveLast(p, axis, 'BCEWithLogitsLossFlat');
          t = moveLast(t, axis, 'BCEWithLogitsLossFlat');
          const c = p.shape[p.ndim - 1]!;
          p = p.reshape(-1, c);
          t = t.reshape(-1, c);
        }
        const red = opts.reduction ?? reduction;
        const out = F.binaryCrossEntropyWithLogits(p, t, { weight: weightFor(weight, p), posWeight: weightFor(posWeight, p), reduction: red });
        return red === 'none' && flatten ? out.reshape(-1) : out;
      });
    },
    activation: (x) => x.sigmoid(),
    decodes: (x) => x.gt(thresh),
  };
}

/** Options for {@link LabelSmoothingCrossEntropy}. */
export interface LabelSmoothingCrossEntropyOptions {
  /** Smoothing: the share of the target spread uniformly over the classes. Default 0.1. */
  eps?: number;
  /** A weight per class, used in the NLL term (as fastai). Kept by reference. Default none. */
  weight?: Tensor | null;
  /** Default `'mean'`. */
  reduction?: Reduction;
}

/** The loss made by {@link LabelSmoothingCrossEntropy}. */
export interface LabelSmoothingCrossEntropy extends LossFunction {
  readonly eps: number;
  readonly reduction: Reduction;
  activation(x: Tensor): Tensor;
  decodes(x: Tensor): Tensor;
}

/**
 * fastai's `LabelSmoothingCrossEntropy` on (N, C) predictions (class axis 1):
 * `loss*eps/c + (1-eps)*nll(logSoftmax(pred), targ)`, where `loss` is the negated sum of the
 * log-probabilities over the classes, reduced like the NLL term. Without `weight` it equals
 * cross-entropy with `labelSmoothing: eps`. Activation softmax, decodes argmax (last axis).
 */
export function LabelSmoothingCrossEntropy(options: LabelSmoothingCrossEntropyOptions = {}): LabelSmoothingCrossEntropy {
  const { eps = 0.1, weight = null, reduction = 'mean' } = options;
  if (!(eps >= 0 && eps <= 1)) throw new RangeError(`LabelSmoothingCrossEntropy: eps must be in [0, 1], not ${eps}`);
  return {
    name: 'LabelSmoothingCrossEntropy',
    eps,
    reduction,
    call(pred, targ, opts = {}) {
      const red = opts.reduction ?? reduction;
      return torch.tidy(() => {
        if (pred.ndim < 2) throw new RangeError(`LabelSmoothingCrossEntropy: predictions need a class axis 1, got shape [${pred.shape.join(', ')}]`);
        const c = pred.shape[1]!;
        const logPreds = pred.logSoftmax(1);
        let smooth = red === 'sum' ? logPreds.sum().neg() : logPreds.sum(1).neg();
        if (red === 'mean') smooth = smooth.mean();
        const nll = F.nllLoss(logPreds, targ.long(), { weight: weightFor(weight, logPreds), reduction: red });
        return smooth.mul(eps / c).add(nll.mul(1 - eps));
      });
    },
    activation: (x) => x.softmax(-1),
    decodes: (x) => x.argmax(-1),
  };
}

/**
 * A {@link LossFunction} for any {@link LossFunc}. A plain function gets its name from `f.name`
 * (`'loss'` when anonymous) and no activation or decodes; it reduces as it was written, so asking
 * it for `'none'` or `'sum'` is an error (wrap it as a LossFunction to offer those), while
 * `'mean'` is taken to be what it does.
 */
export function toLossFunction(f: LossFunc): LossFunction {
  if (typeof f !== 'function') {
    if (f === null || typeof f !== 'object' || typeof (f as Partial<LossFunction>).call !== 'function') {
      throw new TypeError(`lossFunc must be a LossFunction (an object with call()) or a (pred, targ) => Tensor function, not ${String(f)}`);
    }
    return f;
  }
  const name = f.name || 'loss';
  return {
    name,
    call(pred, targ, opts = {}) {
      if (opts.reduction !== undefined && opts.reduction !== 'mean') {
        throw new Error(
          `the loss function '${name}' is a plain function, which cannot be asked for reduction '${opts.reduction}'; ` +
            `use a LossFunction such as CrossEntropyLossFlat(), or write one whose call() takes { reduction }`,
        );
      }
      return f(pred, targ);
    },
  };
}
