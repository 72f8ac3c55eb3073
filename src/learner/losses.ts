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

const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none'];

function checkReduction(who: string, reduction: unknown): void {
  if (!REDUCTIONS.includes(reduction as Reduction)) {
    throw new RangeError(`${who}: reduction must be one of 'mean', 'sum', 'none', not ${JSON.stringify(reduction)}`);
  }
}

/**
 * A loss class that can also be called without `new`, as fastai's are in Python
 * (`CrossEntropyLossFlat()`); `new` and `instanceof` work as for any class.
 */
export type LossClass<C extends new (...args: never[]) => LossFunction> = C & ((...args: ConstructorParameters<C>) => InstanceType<C>);

/** Wraps a class so calling it constructs it (a Proxy's `apply` trap; the class itself is unchanged). */
export function lossClass<C extends new (...args: never[]) => LossFunction>(cls: C): LossClass<C> {
  return new Proxy(cls, { apply: (target, _this, args: never[]) => new target(...args) }) as LossClass<C>;
}

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

/**
 * fastai's `CrossEntropyLossFlat`: cross-entropy over class axis `axis` (default -1) of any
 * prediction shape, flattened to (N*, C) against integer targets flattened to (N*); activation
 * softmax over `axis`, decodes argmax over `axis`. The default loss of a single-label classifier.
 * Construct it with or without `new`.
 *
 * @example
 * const loss = CrossEntropyLossFlat({ labelSmoothing: 0.1 });
 * loss.call(logits, labels);                          // mean
 * loss.call(logits, labels, { reduction: 'none' });   // one value per item
 */
class CrossEntropyLossFlatLoss implements LossFunction {
  readonly axis: number;
  readonly reduction: Reduction;
  readonly labelSmoothing: number;
  readonly weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly flatten: boolean;

  constructor(options: CrossEntropyLossFlatOptions = {}) {
    const { axis = -1, weight = null, labelSmoothing = 0, reduction = 'mean', flatten = true, ignoreIndex = -100 } = options;
    if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
      throw new RangeError(`${this.name}: labelSmoothing must be in [0, 1], not ${labelSmoothing}`);
    }
    checkReduction(this.name, reduction);
    this.axis = axis;
    this.reduction = reduction;
    this.labelSmoothing = labelSmoothing;
    this.weight = weight;
    this.ignoreIndex = ignoreIndex;
    this.flatten = flatten;
  }

  /** A getter, so a subclass's name is the one its constructor's errors give. */
  get name(): string {
    return 'CrossEntropyLossFlat';
  }

  /** The loss of `pred` against class indices `targ`; `options.reduction` overrides the loss's own. */
  readonly call = (pred: Tensor, targ: Tensor, opts: { reduction?: Reduction } = {}): Tensor =>
    torch.tidy(() => {
      const { axis, name } = this;
      let p = pred;
      let t = INT_TARGETS.has(targ.dtype) ? targ.long() : targ;
      if (this.flatten) {
        p = moveLast(p, axis, name);
        p = p.reshape(-1, p.shape[p.ndim - 1]!);
        t = t.reshape(-1);
        if (t.shape[0] !== p.shape[0]) {
          throw new RangeError(
            `${name}: ${p.shape[0]} predictions (shape [${pred.shape.join(', ')}], class axis ${axis}) but ${t.shape[0]} targets (shape [${targ.shape.join(', ')}]); ` +
              'targets hold one class index per prediction',
          );
        }
      } else if (p.ndim < 2) {
        throw new RangeError(`${name}: scores need a class axis ${axis}, got shape [${pred.shape.join(', ')}]; for one score per item use BCEWithLogitsLossFlat`);
      } else if (normAxis(axis, p.ndim, name) !== 1) {
        p = moveLast(p, axis, name).permute(0, p.ndim - 1, ...[...Array(p.ndim - 2).keys()].map((d) => d + 1));
      }
      return F.crossEntropy(p, t, { weight: weightFor(this.weight, p), reduction: opts.reduction ?? this.reduction, ignoreIndex: this.ignoreIndex, labelSmoothing: this.labelSmoothing });
    });

  /** Softmax over the class axis: scores to probabilities. */
  readonly activation = (x: Tensor): Tensor => x.softmax(this.axis);
  /** Argmax over the class axis: scores or probabilities to class indices. */
  readonly decodes = (x: Tensor): Tensor => x.argmax(this.axis);
}

/** The loss made by {@link CrossEntropyLossFlat}. */
export type CrossEntropyLossFlat = CrossEntropyLossFlatLoss;
/** {@inheritDoc CrossEntropyLossFlatLoss} */
export const CrossEntropyLossFlat = lossClass(CrossEntropyLossFlatLoss);

/** Options for {@link CrossEntropyLoss}, as PyTorch's `nn.CrossEntropyLoss`: those of {@link CrossEntropyLossFlat} but the axis. */
export type CrossEntropyLossOptions = Omit<CrossEntropyLossFlatOptions, 'axis' | 'flatten'>;

/**
 * PyTorch's `nn.CrossEntropyLoss` as a fastai loss: scores (N, C) or (N, C, d1, ...), class axis
 * 1, against class indices (N) or (N, d1, ...); `call` gives `crossEntropy`. Activation softmax
 * and decodes argmax over axis 1, so a Learner can use it as its loss. It is
 * `CrossEntropyLossFlat` with axis 1 and no flattening. Construct it with or without `new`.
 */
class CrossEntropyLossModule extends CrossEntropyLossFlatLoss {
  constructor(options: CrossEntropyLossOptions = {}) {
    super({ ...options, axis: 1, flatten: false });
  }

  override get name(): string {
    return 'CrossEntropyLoss';
  }
}

/** The loss made by {@link CrossEntropyLoss}. */
export type CrossEntropyLoss = CrossEntropyLossModule;
/** {@inheritDoc CrossEntropyLossModule} */
export const CrossEntropyLoss = lossClass(CrossEntropyLossModule);

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

/**
 * fastai's `BCEWithLogitsLossFlat` for multi-label targets (one 0/1 per class): binary
 * cross-entropy on raw scores, targets the same shape as the prediction; activation sigmoid,
 * decodes `x > thresh` (on activations). With `reduction: 'none'` it returns one value per
 * (item, class), flattened as fastai's. Weights broadcast over (N*, C), so a per-class
 * `posWeight` works with any batch size (fastai flattens to one dimension first, where it does not).
 * Construct it with or without `new`.
 */
class BCEWithLogitsLossFlatLoss implements LossFunction {
  readonly name: string = 'BCEWithLogitsLossFlat';
  readonly axis: number;
  readonly thresh: number;
  readonly reduction: Reduction;
  readonly weight: Tensor | null;
  readonly posWeight: Tensor | null;
  readonly floatify: boolean;
  readonly flatten: boolean;

  constructor(options: BCEWithLogitsLossFlatOptions = {}) {
    const { axis = -1, weight = null, posWeight = null, thresh = 0.5, floatify = true, reduction = 'mean', flatten = true } = options;
    checkReduction(this.name, reduction);
    this.axis = axis;
    this.thresh = thresh;
    this.reduction = reduction;
    this.weight = weight;
    this.posWeight = posWeight;
    this.floatify = floatify;
    this.flatten = flatten;
  }

  /** The loss of raw scores `pred` against 0/1 targets of the same shape. */
  readonly call = (pred: Tensor, targ: Tensor, opts: { reduction?: Reduction } = {}): Tensor =>
    torch.tidy(() => {
      const { axis, name } = this;
      if (targ.shape.join() !== pred.shape.join()) {
        throw new RangeError(
          `${name}: targets of shape [${targ.shape.join(', ')}] do not match predictions of shape [${pred.shape.join(', ')}]; ` +
            'give one 0/1 (or probability) per class, e.g. a multi-hot encoding',
        );
      }
      let p = pred;
      let t = targ;
      if (this.floatify && !t.isFloatingPoint()) t = t.to(p.isFloatingPoint() ? p.dtype : 'float32');
      if (this.flatten) {
        p = moveLast(p, axis, name);
        t = moveLast(t, axis, name);
        const c = p.shape[p.ndim - 1]!;
        p = p.reshape(-1, c);
        t = t.reshape(-1, c);
      }
      const red = opts.reduction ?? this.reduction;
      const out = F.binaryCrossEntropyWithLogits(p, t, { weight: weightFor(this.weight, p), posWeight: weightFor(this.posWeight, p), reduction: red });
      return red === 'none' && this.flatten ? out.reshape(-1) : out;
    });

  /** Sigmoid: each class's score to an independent probability. */
  readonly activation = (x: Tensor): Tensor => x.sigmoid();
  /** `x > thresh` on probabilities: the classes predicted present. */
  readonly decodes = (x: Tensor): Tensor => x.gt(this.thresh);
}

/** The loss made by {@link BCEWithLogitsLossFlat}. */
export type BCEWithLogitsLossFlat = BCEWithLogitsLossFlatLoss;
/** {@inheritDoc BCEWithLogitsLossFlatLoss} */
export const BCEWithLogitsLossFlat = lossClass(BCEWithLogitsLossFlatLoss);

/** Options for {@link LabelSmoothingCrossEntropy}. */
export interface LabelSmoothingCrossEntropyOptions {
  /** Smoothing: the share of the target spread uniformly over the classes. Default 0.1. */
  eps?: number;
  /** A weight per class, used in the NLL term (as fastai). Kept by reference. Default none. */
  weight?: Tensor | null;
  /** Default `'mean'`. */
  reduction?: Reduction;
}

/**
 * fastai's `LabelSmoothingCrossEntropy` on (N, C) predictions (class axis 1):
 * `loss*eps/c + (1-eps)*nll(logSoftmax(pred), targ)`, where `loss` is the negated sum of the
 * log-probabilities over the classes, reduced like the NLL term. Without `weight` it equals
 * cross-entropy with `labelSmoothing: eps`. Activation softmax, decodes argmax (last axis).
 * Construct it with or without `new`.
 */
class LabelSmoothingCrossEntropyLoss implements LossFunction {
  readonly name: string = 'LabelSmoothingCrossEntropy';
  readonly eps: number;
  readonly reduction: Reduction;
  readonly weight: Tensor | null;

  constructor(options: LabelSmoothingCrossEntropyOptions = {}) {
    const { eps = 0.1, weight = null, reduction = 'mean' } = options;
    if (!(eps >= 0 && eps <= 1)) throw new RangeError(`${this.name}: eps must be in [0, 1], not ${eps}`);
    checkReduction(this.name, reduction);
    this.eps = eps;
    this.weight = weight;
    this.reduction = reduction;
  }

  /** The smoothed loss of scores `pred` (N, C) against class indices `targ` (N). */
  readonly call = (pred: Tensor, targ: Tensor, opts: { reduction?: Reduction } = {}): Tensor => {
    const red = opts.reduction ?? this.reduction;
    const { eps } = this;
    return torch.tidy(() => {
      if (pred.ndim < 2) throw new RangeError(`${this.name}: predictions need a class axis 1, got shape [${pred.shape.join(', ')}]`);
      const c = pred.shape[1]!;
      const logPreds = pred.logSoftmax(1);
      let smooth = red === 'sum' ? logPreds.sum().neg() : logPreds.sum(1).neg();
      if (red === 'mean') smooth = smooth.mean();
      const nll = F.nllLoss(logPreds, targ.long(), { weight: weightFor(this.weight, logPreds), reduction: red });
      return smooth.mul(eps / c).add(nll.mul(1 - eps));
    });
  };

  /** Softmax over the last axis. */
  readonly activation = (x: Tensor): Tensor => x.softmax(-1);
  /** Argmax over the last axis. */
  readonly decodes = (x: Tensor): Tensor => x.argmax(-1);
}

/** The loss made by {@link LabelSmoothingCrossEntropy}. */
export type LabelSmoothingCrossEntropy = LabelSmoothingCrossEntropyLoss;
/** {@inheritDoc LabelSmoothingCrossEntropyLoss} */
export const LabelSmoothingCrossEntropy = lossClass(LabelSmoothingCrossEntropyLoss);

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
