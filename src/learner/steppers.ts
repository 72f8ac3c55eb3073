/**
 * fastai's optimizer steppers (`weight_decay`, `average_grad`, `adam_step`, ...) as composable
 * steps over lists of parameters. Each stepper updates a whole bucket of parameters (those of
 * one group with the same step count) with a few `torch.foreach` calls, so a step costs a
 * handful of native calls per group rather than a few per parameter.
 * @module
 */
import { type Tensor, torch } from '../torch/index.js';
import type { LrSpec } from './lr-spec.js';
import { Optimizer } from './optimizer.js';

/** Hyper-parameter values by name (`lr`, `mom`, `sqrMom`, `eps`, `wd`, `beta`, ...): one record per group. */
export type Hypers = Record<string, number>;

/** What a stepper sees: one bucket of parameters of one group, all with a gradient and the same step count. */
export interface StepContext {
  /** The parameters being updated. */
  readonly params: readonly Tensor[];
  /** Their gradients (same order; freed after the step). */
  readonly grads: readonly Tensor[];
  /** Per parameter: whether weight decay applies (fastai's `do_wd`, default true). */
  readonly doWd: readonly boolean[];
  /** The group's hyper-parameters. */
  readonly hypers: Readonly<Hypers>;
  /** The bucket's step count: {@link stepStat} adds one before the steps that debias read it. */
  step: number;
  /**
   * Per-parameter state tensors named `name` (e.g. `'gradAvg'`), created on first use as zeros
   * (or a copy of the parameter with `'clone'`) and owned by the optimizer.
   */
  state(name: string, init?: 'zeros' | 'clone'): Tensor[];
}

/** One step of an optimizer: updates state and/or parameters of a bucket in place. */
export type Stepper = (ctx: StepContext) => void;

/** A hyper-parameter of the group, or a clear error naming the stepper that needs it. */
export function hyper(ctx: StepContext, name: string, stepper: string): number {
  const v = ctx.hypers[name];
  if (v === undefined) {
    throw new RangeError(
      `optimizer: stepper ${stepper} needs the hyper-parameter '${name}', which this group lacks ` +
        `(it has ${Object.keys(ctx.hypers).join(', ')}); pass it to the optimizer factory or setHyper('${name}', ...)`,
    );
  }
  return v;
}

function pick<T>(xs: readonly T[], keep: readonly boolean[]): T[] {
  return xs.filter((_, i) => keep[i]);
}

/** fastai's `debias(mom, damp, step)`: the bias correction of an average kept with dampening `damp`. */
export function debias(mom: number, damp: number, step: number): number {
  return (damp * (1 - mom ** step)) / (1 - mom);
}

/** Decoupled ("true") weight decay, fastai's `weight_decay`: `p *= 1 - lr*wd` for parameters with doWd. Hypers: lr, wd. */
export const weightDecay: Stepper = (ctx) => {
  const wd = hyper(ctx, 'wd', 'weightDecay');
  if (wd === 0) return;
  torch.foreach.mul_(pick(ctx.params, ctx.doWd), 1 - hyper(ctx, 'lr', 'weightDecay') * wd);
};

/** L2 regularization, fastai's `l2_reg`: `grad += wd*p` for parameters with doWd. Hypers: wd. */
export const l2Reg: Stepper = (ctx) => {
  const wd = hyper(ctx, 'wd', 'l2Reg');
  if (wd === 0) return;
  torch.foreach.add_(pick(ctx.grads, ctx.doWd), pick(ctx.params, ctx.doWd), wd);
};

/**
 * fastai's `average_grad`: state `gradAvg = mom*gradAvg + damp*grad`, with `damp = 1-mom` when
 * `dampening` (Adam and friends) and 1 otherwise (SGD's momentum). Hypers: mom.
 * @param options.dampening default false, as fastai's
 */
export function averageGrad(options: { dampening?: boolean } = {}): Stepper {
  const dampening = options.dampening ?? false;
  return (ctx) => {
    const mom = hyper(ctx, 'mom', 'averageGrad');
    const avg = ctx.state('gradAvg');
    torch.foreach.mul_(avg, mom);
    torch.foreach.add_(avg, ctx.grads, dampening ? 1 - mom : 1);
  };
}

/**
 * fastai's `average_sqr_grad`: state `sqrAvg = sqrMom*sqrAvg + damp*grad^2`, `damp = 1-sqrMom`
 * when `dampening`. Hypers: sqrMom.
 * @param options.dampening default true, as fastai's
 */
export function averageSqrGrad(options: { dampening?: boolean } = {}): Stepper {
  const dampening = options.dampening ?? true;
  return (ctx) => {
    const sqrMom = hyper(ctx, 'sqrMom', 'averageSqrGrad');
    const sqr = ctx.state('sqrAvg');
    torch.foreach.mul_(sqr, sqrMom);
    torch.foreach.addcmul_(sqr, ctx.grads, ctx.grads, dampening ? 1 - sqrMom : 1);
  };
}

/** fastai's `step_stat`: counts the steps each parameter has taken (read by the debiasing steps). */
export const stepStat: Stepper = (ctx) => {
  ctx.step += 1;
};

/** fastai's `sgd_step`: `p -= lr*grad`. Hypers: lr. */
export const sgdStep: Stepper = (ctx) => {
  torch.foreach.add_(ctx.params, ctx.grads, -hyper(ctx, 'lr', 'sgdStep'));
};

/** fastai's `momentum_step`: `p -= lr*gradAvg` (after {@link averageGrad}). Hypers: lr. */
export const momentumStep: Stepper = (ctx) => {
  torch.foreach.add_(ctx.params, ctx.state('gradAvg'), -hyper(ctx, 'lr', 'momentumStep'));
};

/**
 * fastai's `rms_prop_step`: `p -= lr * (gradAvg or grad) / (sqrt(sqrAvg) + eps)`; uses gradAvg
 * when the optimizer keeps one (momentum non-zero). Hypers: lr, eps.
 * @param options.momentum whether an {@link averageGrad} step runs before (default false)
 */
export function rmsPropStep(options: { momentum?: boolean } = {}): Stepper {
  return (ctx) => {
    const denom = torch.foreach.sqrt(ctx.state('sqrAvg'));
    torch.foreach.add_(denom, hyper(ctx, 'eps', 'rmsPropStep'));
    const num = options.momentum ? ctx.state('gradAvg') : ctx.grads;
    torch.foreach.addcdiv_(ctx.params, num, denom, -hyper(ctx, 'lr', 'rmsPropStep'));
  };
}

/**
 * fastai's `adam_step`: `p -= lr/debias1 * gradAvg / (sqrt(sqrAvg/debias2) + eps)`, computed as
 * `p -= lr*sqrt(debias2)/debias1 * gradAvg / (sqrt(sqrAvg) + eps*sqrt(debias2))` (the same
 * value, one pass over the parameters fewer). Hypers: lr, mom, sqrMom, eps; reads the step count.
 */
export const adamStep: Stepper = (ctx) => {
  const lr = hyper(ctx, 'lr', 'adamStep');
  const mom = hyper(ctx, 'mom', 'adamStep');
  const sqrMom = hyper(ctx, 'sqrMom', 'adamStep');
  const eps = hyper(ctx, 'eps', 'adamStep');
  const d1 = debias(mom, 1 - mom, ctx.step);
  const s2 = Math.sqrt(debias(sqrMom, 1 - sqrMom, ctx.step));
  const denom = torch.foreach.sqrt(ctx.state('sqrAvg'));
  torch.foreach.add_(denom, eps * s2);
  torch.foreach.addcdiv_(ctx.params, ctx.state('gradAvg'), denom, (-lr * s2) / d1);
};

/**
 * fastai's `radam_step` (rectified Adam): while the variance estimate is unreliable (r <= 5) a
 * plain momentum step `p -= lr/debias1 * gradAvg`, afterwards Adam's step scaled by the
 * rectification term v. `beta` non-zero puts the denominator through softplus(beta), as fastai.
 * Hypers: lr, mom, sqrMom, eps, beta (default 0).
 */
export const radamStep: Stepper = (ctx) => {
  const lr = hyper(ctx, 'lr', 'radamStep');
  const mom = hyper(ctx, 'mom', 'radamStep');
  const sqrMom = hyper(ctx, 'sqrMom', 'radamStep');
  const eps = hyper(ctx, 'eps', 'radamStep');
  const beta = ctx.hypers.beta ?? 0;
  const step = ctx.step;
  const d1 = debias(mom, 1 - mom, step);
  const d2 = debias(sqrMom, 1 - sqrMom, step);
  const rInf = 2 / (1 - sqrMom) - 1;
  const r = rInf - (2 * step * sqrMom ** step) / (1 - sqrMom ** step);
  const avg = ctx.state('gradAvg');
  if (r <= 5) {
    torch.foreach.add_(ctx.params, avg, -lr / d1);
    return;
  }
  const v = Math.sqrt(((r - 4) * (r - 2) * rInf) / ((rInf - 4) * (rInf - 2) * r));
  const denom = torch.foreach.sqrt(ctx.state('sqrAvg'));
  torch.foreach.mul_(denom, 1 / Math.sqrt(d2));
  if (eps) torch.foreach.add_(denom, eps);
  // softplus(x, beta) = log1p(exp(beta*x))/beta, linear above beta*x > 20 (PyTorch's threshold).
  const den = beta ? denom.map((d) => torch.where(d.mul(beta).gt(20), d, d.mul(beta).exp().add(1).log().div(beta))) : denom;
  torch.foreach.addcdiv_(ctx.params, avg, den, (-lr * v) / d1);
};

/**
 * fastai's `lamb_step`: Adam's step `s = (gradAvg/debias1) / (sqrt(sqrAvg/debias2) + eps)`
 * scaled per parameter by the trust ratio `q = min(rms(p)/rms(s), 10)` (1 when either is 0):
 * `p -= lr*q*s`. Hypers: lr, mom, sqrMom, eps.
 */
export const lambStep: Stepper = (ctx) => {
  const lr = hyper(ctx, 'lr', 'lambStep');
  const mom = hyper(ctx, 'mom', 'lambStep');
  const sqrMom = hyper(ctx, 'sqrMom', 'lambStep');
  const eps = hyper(ctx, 'eps', 'lambStep');
  const d1 = debias(mom, 1 - mom, ctx.step);
  const d2 = debias(sqrMom, 1 - sqrMom, ctx.step);
  const denom = torch.foreach.sqrt(ctx.state('sqrAvg'));
  torch.foreach.mul_(denom, 1 / Math.sqrt(d2));
  torch.foreach.add_(denom, eps);
  const s = torch.foreach.div(ctx.state('gradAvg'), denom);
  torch.foreach.mul_(s, 1 / d1);
  // rms(p)/rms(s) = norm(p)/norm(s) (same element count): two norms for the whole bucket.
  const r1 = torch.stack(torch.foreach.norm(ctx.params));
  const r2 = torch.stack(torch.foreach.norm(s));
  const q = torch.where(r1.eq(0).logicalOr(r2.eq(0)), 1, r1.div(r2).clamp(null, 10)).mul(-lr);
  torch.foreach.mul_(s, torch.unbind(q));
  torch.foreach.add_(ctx.params, s);
};

// ---- the optimizers fastai composes from these steps ----

/** Options shared by the optimizer factories; `lr` may be one rate per group or a slice. */
export interface OptOptions {
  /** The learning rate(s). */
  lr: LrSpec;
  /** Weight decay (defaults: Adam 0.01, the others 0). */
  wd?: number;
  /** Decoupled weight decay `p *= 1 - lr*wd` (default true) rather than L2 regularization `grad += wd*p`. */
  decoupleWd?: boolean;
}
/** {@link SGD}'s options. */
export interface SGDOptions extends OptOptions {
  /** Momentum (default 0: plain SGD). */
  mom?: number;
}
/** {@link RMSProp}'s options. */
export interface RMSPropOptions extends OptOptions {
  /** Decay of the squared-gradient average (default 0.99). */
  sqrMom?: number;
  /** Momentum (default 0). */
  mom?: number;
  /** Added to the denominator (default 1e-8). */
  eps?: number;
}
/** {@link Adam}'s and {@link Lamb}'s options. */
export interface AdamOptions extends OptOptions {
  /** Decay of the gradient average, Adam's beta1 (default 0.9). */
  mom?: number;
  /** Decay of the squared-gradient average, beta2 (default 0.99). */
  sqrMom?: number;
  /** Added to the denominator (default 1e-5). */
  eps?: number;
}
/** {@link RAdam}'s options. */
export interface RAdamOptions extends AdamOptions {
  /** Softplus sharpness of the denominator; 0 (default) for none. */
  beta?: number;
}

const decay = (o: OptOptions): Stepper => (o.decoupleWd ?? true ? weightDecay : l2Reg);

/** fastai's `SGD(lr, mom=0, wd=0, decouple_wd=True)`: plain or momentum SGD (undampened momentum). */
export function SGD(paramGroups: Tensor[][], options: SGDOptions): Optimizer {
  const { lr, mom = 0, wd = 0 } = options;
  const steps = mom === 0 ? [decay(options), sgdStep] : [decay(options), averageGrad(), momentumStep];
  return new Optimizer(paramGroups, steps, { lr, mom, wd });
}

/** fastai's `RMSProp(lr, sqr_mom=0.99, mom=0, eps=1e-8, wd=0, decouple_wd=True)`. */
export function RMSProp(paramGroups: Tensor[][], options: RMSPropOptions): Optimizer {
  const { lr, sqrMom = 0.99, mom = 0, eps = 1e-8, wd = 0 } = options;
  const avg = mom === 0 ? [] : [averageGrad()];
  const steps = [decay(options), ...avg, averageSqrGrad(), rmsPropStep({ momentum: mom !== 0 })];
  return new Optimizer(paramGroups, steps, { lr, mom, sqrMom, eps, wd });
}

/** fastai's default optimizer `Adam(lr, mom=0.9, sqr_mom=0.99, eps=1e-5, wd=0.01, decouple_wd=True)` (AdamW). */
export function Adam(paramGroups: Tensor[][], options: AdamOptions): Optimizer {
  const { lr, mom = 0.9, sqrMom = 0.99, eps = 1e-5, wd = 0.01 } = options;
  const steps = [decay(options), averageGrad({ dampening: true }), averageSqrGrad(), stepStat, adamStep];
  return new Optimizer(paramGroups, steps, { lr, mom, sqrMom, eps, wd });
}

/** fastai's `RAdam(lr, mom=0.9, sqr_mom=0.99, eps=1e-5, wd=0, beta=0, decouple_wd=True)`. */
export function RAdam(paramGroups: Tensor[][], options: RAdamOptions): Optimizer {
  const { lr, mom = 0.9, sqrMom = 0.99, eps = 1e-5, wd = 0, beta = 0 } = options;
  const steps = [decay(options), averageGrad({ dampening: true }), averageSqrGrad(), stepStat, radamStep];
  return new Optimizer(paramGroups, steps, { lr, mom, sqrMom, eps, wd, beta });
}

/** fastai's `Lamb(lr, mom=0.9, sqr_mom=0.99, eps=1e-5, wd=0, decouple_wd=True)`. */
export function Lamb(paramGroups: Tensor[][], options: AdamOptions): Optimizer {
  const { lr, mom = 0.9, sqrMom = 0.99, eps = 1e-5, wd = 0 } = options;
  const steps = [decay(options), averageGrad({ dampening: true }), averageSqrGrad(), stepStat, lambStep];
  return new Optimizer(paramGroups, steps, { lr, mom, sqrMom, eps, wd });
}
