/**
 * Metrics as fastai's: plain functions of `(pred, targ)` (`accuracy`, `errorRate`,
 * `topKAccuracy`), and the {@link Metric} objects the Learner drives over a validation phase.
 * A plain function becomes an {@link AvgMetric}: its batch values weighted by batch size, which is
 * the whole-set value for metrics that are means over items. Metrics that are not (AUC, F1, ...)
 * go through {@link AccumMetric}, which computes once on everything.
 * @module
 */
import { type Tensor, torch } from '../torch/index.js';

/** A metric over a validation phase, driven by the Learner. */
export interface Metric {
  /** Shown in the table, fastai's snake_case (`'error_rate'`, `'accuracy'`, `'top_k_accuracy'`). */
  readonly name: string;
  /** Before each validation phase. */
  reset(): void;
  /**
   * After each validation batch, under noGrad, with the raw model outputs. Must not keep the
   * given tensors (copy them, or keep copies on purpose and free them in reset()).
   */
  accumulate(batch: { pred: Tensor; targ: Tensor; loss: Tensor; bs: number }): void;
  /** The value after the phase; null before any batch. */
  readonly value: number | null;
}

/** A plain metric function, as fastai's (becomes an {@link AvgMetric}). */
export type MetricFn = (pred: Tensor, targ: Tensor) => Tensor;

/** fastai's `camel2snake`: `errorRate` -> `error_rate`, `topKAccuracy` -> `top_k_accuracy`, `RMSE` -> `rmse`. */
function camel2snake(name: string): string {
  return name.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * The display name fastai shows for a metric: a Metric's own `name`, or a function's name in
 * snake_case (`errorRate` -> `'error_rate'`; `'metric'` for an anonymous function).
 */
export function metricName(m: Metric | ((...args: never[]) => unknown)): string {
  if (typeof m === 'function') return m.name ? camel2snake(m.name) : 'metric';
  return m.name;
}

/** Flattens both and checks they have the same number of elements (fastai's `flatten_check`). */
function flattenCheck(pred: Tensor, targ: Tensor, what: string): [Tensor, Tensor] {
  const p = pred.reshape(-1);
  const t = targ.reshape(-1);
  if (p.shape[0] !== t.shape[0]) {
    throw new RangeError(
      `${what}: predictions of shape [${pred.shape.join(', ')}] and targets of shape [${targ.shape.join(', ')}] do not have the same number of elements after flattening`,
    );
  }
  return [p, t];
}

/** fastai's `accuracy`: the share of items whose argmax over `axis` (default -1) equals the target. A 0-d tensor. */
export function accuracy(inp: Tensor, targ: Tensor, axis = -1): Tensor {
  return torch.tidy(() => {
    const [p, t] = flattenCheck(inp.argmax(axis), targ, 'accuracy');
    return p.eq(t).float().mean();
  });
}

/** fastai's `error_rate`: `1 - accuracy(inp, targ, axis)` (axis default -1). */
export function errorRate(inp: Tensor, targ: Tensor, axis = -1): Tensor {
  return torch.tidy(() => accuracy(inp, targ, axis).rsub(1));
}

/**
 * fastai's `top_k_accuracy`: the share of items whose target is among the `k` (default 5)
 * highest scores over `axis` (default -1). Wrap it to choose k, and name it for the table:
 * `AvgMetric((p, t) => topKAccuracy(p, t, 3), 'top_3_accuracy')`.
 */
export function topKAccuracy(inp: Tensor, targ: Tensor, k = 5, axis = -1): Tensor {
  const c = inp.shape.at(axis);
  if (c === undefined || !Number.isInteger(k) || k < 1 || k > c) {
    throw new RangeError(`topKAccuracy: k must be an integer from 1 to the number of classes (${c}), not ${k}`);
  }
  return torch.tidy(() => {
    const idx = inp.topk(k, axis).indices;
    const t = targ.unsqueeze(axis < 0 ? axis + inp.ndim : axis).expandAs(idx);
    // fastai sums over the last axis; summing over `axis` is the same there and right elsewhere.
    return idx.eq(t).sum(axis).float().mean();
  });
}

/** A {@link Metric} averaging a function's batch values weighted by batch size. */
export interface AvgMetric extends Metric {
  readonly fn: MetricFn;
}

/**
 * fastai's `AvgMetric`: `fn(pred, targ)` per validation batch, averaged over the whole set with
 * each batch weighted by its size (exact for means over items, such as accuracy, with uneven
 * last batches). `name` defaults to {@link metricName}`(fn)`. Keeps numbers, no tensors.
 */
export function AvgMetric(fn: MetricFn, name: string = metricName(fn)): AvgMetric {
  let total = 0;
  let count = 0;
  return {
    fn,
    name,
    reset() {
      total = 0;
      count = 0;
    },
    accumulate({ pred, targ, bs }) {
      total += torch.tidy(() => fn(pred, targ).item()) * bs;
      count += bs;
    },
    get value() {
      return count > 0 ? total / count : null;
    },
  };
}

/** What {@link AccumMetric} applies to the raw outputs before storing them. */
export type MetricActivation = 'no' | 'softmax' | 'sigmoid' | 'argmax';

/** Options for {@link AccumMetric}. */
export interface AccumMetricOptions {
  /** The axis for softmax/argmax. Default -1. With activation `'no'`, setting it means argmax (as fastai). */
  dimArgmax?: number;
  /** Applied to the raw outputs before storing. Default `'no'` (argmax when `dimArgmax` is set). */
  activation?: MetricActivation;
  /** When set, predictions become `pred >= thresh` (after the activation). Default none. */
  thresh?: number;
  /** Flatten predictions and targets (each batch must then have as many of one as of the other). Default true. */
  flatten?: boolean;
  /** Display name. Default {@link metricName}`(fn)`. */
  name?: string;
}

/** A {@link Metric} computing a function once on all of a phase's predictions and targets. */
export interface AccumMetric extends Metric {
  readonly fn: (preds: Tensor, targs: Tensor) => Tensor | number;
}

/**
 * fastai's `AccumMetric`: stores each batch's (activated) predictions and targets, then computes
 * `fn` once on their concatenation, for metrics that are not means over items (F1, AUC, ...).
 * The stored tensors are detached copies on the CPU, kept on purpose and freed by `reset()`
 * (about one float per validation item and class, for softmax activations).
 */
export function AccumMetric(fn: (preds: Tensor, targs: Tensor) => Tensor | number, options: AccumMetricOptions = {}): AccumMetric {
  const { dimArgmax, thresh, flatten = true, name = metricName(fn) } = options;
  const activation = options.activation ?? 'no';
  const dim = dimArgmax ?? -1;
  let preds: Tensor[] = [];
  let targs: Tensor[] = [];
  let cached: number | null | undefined;
  const store = (x: Tensor): Tensor => torch.keep(x.device === 'cpu' ? x.detach().clone() : x.detach().cpu());
  return {
    fn,
    name,
    reset() {
      torch.dispose([preds, targs]);
      preds = [];
      targs = [];
      cached = undefined;
    },
    accumulate({ pred, targ }) {
      torch.tidy(() => {
        let p = pred;
        if (activation === 'softmax') p = p.softmax(dim);
        else if (activation === 'sigmoid') p = p.sigmoid();
        else if (activation === 'argmax' || dimArgmax !== undefined) p = p.argmax(dim);
        if (thresh !== undefined) p = p.ge(thresh);
        let t = targ;
        if (flatten) [p, t] = flattenCheck(p, t, `AccumMetric '${name}'`);
        preds.push(store(p));
        targs.push(store(t));
      });
      cached = undefined;
    },
    get value() {
      if (cached === undefined) {
        cached = preds.length === 0 ? null : torch.tidy(() => {
          const r = fn(torch.cat(preds), torch.cat(targs));
          return typeof r === 'number' ? r : r.item();
        });
      }
      return cached;
    },
  };
}

/**
 * A {@link Metric} for a metric function, or the Metric itself: plain functions become
 * {@link AvgMetric}s (as fastai).
 */
export function toMetric(m: Metric | MetricFn): Metric {
  if (typeof m === 'function') return AvgMetric(m);
  if (m === null || typeof m !== 'object' || typeof m.accumulate !== 'function' || typeof m.reset !== 'function') {
    throw new TypeError(`a metric must be a Metric (with reset() and accumulate()) or a (pred, targ) => Tensor function such as accuracy, not ${String(m)}`);
  }
  return m;
}

/** The mean of batch losses weighted by batch size (the Recorder's valid_loss). Numbers in. */
export interface AvgLoss {
  readonly name: 'loss';
  reset(): void;
  /** Adds a batch's mean loss with its batch size. */
  accumulate(loss: number, bs: number): void;
  /** The weighted mean; null before any batch. */
  readonly value: number | null;
}

/** fastai's `AvgLoss`: `sum(loss_i * bs_i) / sum(bs_i)` over the batches since `reset()`. */
export function AvgLoss(): AvgLoss {
  let total = 0;
  let count = 0;
  return {
    name: 'loss',
    reset() {
      total = 0;
      count = 0;
    },
    accumulate(loss, bs) {
      total += loss * bs;
      count += bs;
    },
    get value() {
      return count > 0 ? total / count : null;
    },
  };
}

/** The debiased exponential moving average of the training loss (the Recorder's smoothed loss). Numbers in. */
export interface AvgSmoothLoss {
  readonly name: 'loss';
  readonly beta: number;
  reset(): void;
  /** Adds a batch's mean loss. */
  accumulate(loss: number): void;
  /** `val/(1-beta^count)`; null before any batch. */
  readonly value: number | null;
}

/**
 * fastai's `AvgSmoothLoss(beta=0.98)`: `val = beta*val + (1-beta)*loss`, value
 * `val/(1-beta^count)` (debiased, so the first value is the first loss). fastai resets it only
 * at the start of `fit`, not per epoch.
 */
export function AvgSmoothLoss(beta = 0.98): AvgSmoothLoss {
  if (!(beta >= 0 && beta < 1)) throw new RangeError(`AvgSmoothLoss: beta must be in [0, 1), not ${beta}`);
  let val = 0;
  let count = 0;
  return {
    name: 'loss',
    beta,
    reset() {
      val = 0;
      count = 0;
    },
    accumulate(loss) {
      count += 1;
      val = beta * val + (1 - beta) * loss;
    },
    get value() {
      return count > 0 ? val / (1 - beta ** count) : null;
    },
  };
}
