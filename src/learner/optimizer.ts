/**
 * fastai's `Optimizer`: parameter groups with per-group hyper-parameters, per-parameter flags,
 * fastai's freezing, and a step composed of steppers (steppers.ts) that each update a whole
 * bucket of parameters with `torch.foreach` calls; the `Lookahead` wrapper and `ranger`. Also
 * exports the factories (steppers.ts) and the learning-rate specs (lr-spec.ts), so the Learner
 * imports everything optimizer-related from here.
 * @module
 */
import { type Tensor, torch } from '../torch/index.js';
import { LrSlice, type LrSpec, spreadLrs, spreadValues } from './lr-spec.js';
import { type Hypers, RAdam, type RAdamOptions, type StepContext, type Stepper } from './steppers.js';

export type { Hypers, StepContext, Stepper } from './steppers.js';
// The factories live beside their steppers; steppers.ts uses Optimizer only inside functions, so the import cycle is harmless.
export { LrSlice, type LrSpec, slice, spreadLrs } from './lr-spec.js';
export { Adam, type AdamOptions, Lamb, RAdam, type RAdamOptions, RMSProp, type RMSPropOptions, SGD, type SGDOptions } from './steppers.js';

/** Per-parameter flags, set by the Learner (fastai's `do_wd` and `force_train` state). */
export interface ParamFlags {
  /** Whether weight decay applies to this parameter (default true; false for BatchNorm and bias unless `wdBnBias`). */
  doWd?: boolean;
  /** Whether the parameter keeps training in frozen groups (default false; true for BatchNorm when `trainBn`). */
  forceTrain?: boolean;
}

/** An optimizer's state as plain data: state tensors by name (still owned by the optimizer) and JSON-able meta. */
export interface OptimizerState {
  tensors: Record<string, Tensor>;
  meta: Record<string, unknown>;
}

/** Builds an optimizer over parameter groups (what the Learner's `optFunc` is). */
export type OptFunc = (paramGroups: Tensor[][], options: { lr: number }) => Optimizer;

interface Slot {
  state: Map<string, Tensor>;
  step: number;
}

/**
 * fastai's Optimizer: parameter groups, one record of hyper-parameters per group, per-parameter
 * flags and state, and a step made of {@link Stepper}s run in order on each bucket (the
 * parameters of one group that have a gradient and the same step count).
 */
export class Optimizer {
  readonly #groups: Tensor[][];
  readonly #hypers: Hypers[];
  readonly #steppers: readonly Stepper[];
  readonly #flags = new Map<Tensor, ParamFlags>();
  readonly #all: Set<Tensor>;
  #slots: Slot[][];
  #disposed = false;

  /**
   * @param paramGroups the parameters, split in groups (fastai's splitter output); each parameter in one group only
   * @param steppers the steps, run in order on each bucket of parameters
   * @param defaults the hyper-parameters of every group, each one number, one per group, or (rates) a slice
   */
  constructor(paramGroups: readonly (readonly Tensor[])[], steppers: readonly Stepper[], defaults: Record<string, LrSpec>) {
    if (!Array.isArray(paramGroups) || paramGroups.length === 0 || !paramGroups.every((g) => Array.isArray(g))) {
      throw new TypeError('Optimizer: paramGroups must be a non-empty array of arrays of parameters (Tensor[][]); wrap a flat list as [params]');
    }
    const seen = new Set<Tensor>();
    paramGroups.forEach((g, gi) =>
      g.forEach((p, i) => {
        if (!(p instanceof torch.Tensor)) throw new TypeError(`Optimizer: paramGroups[${gi}][${i}] is not a Tensor`);
        if (seen.has(p)) throw new RangeError(`Optimizer: paramGroups[${gi}][${i}] appears twice; each parameter belongs to one group`);
        seen.add(p);
      }),
    );
    this.#groups = paramGroups.map((g) => [...g]);
    this.#all = seen;
    this.#steppers = [...steppers];
    this.#hypers = this.#groups.map(() => ({}) as Hypers);
    for (const [k, v] of Object.entries(defaults)) this.setHyper(k, v);
    this.#slots = this.#emptySlots();
  }

  /** The parameters, one array per group (do not mutate). */
  get paramGroups(): Tensor[][] {
    return this.#groups;
  }

  /** The hyper-parameters, one record per group (read by the Recorder; change them with {@link setHyper}). */
  get hypers(): Hypers[] {
    return this.#hypers;
  }

  /**
   * Sets a hyper-parameter for every group: one number for all, one value per group, or (for
   * rates) a `slice`. New names are allowed (fastai's are free-form).
   */
  setHyper(name: string, value: number | readonly number[] | LrSlice): void {
    if (typeof name !== 'string' || name === '') throw new TypeError(`Optimizer.setHyper(): name must be a non-empty string, got ${String(name)}`);
    const n = this.#groups.length;
    this.#setAll(name, value instanceof LrSlice ? spreadLrs(value, n) : spreadValues(name, value, n));
  }

  #setAll(name: string, values: readonly number[]): void {
    values.forEach((v, i) => (this.#hypers[i]![name] = v));
  }

  /** Sets flags of one parameter (merged with those already set). */
  setParamFlags(p: Tensor, flags: ParamFlags): void {
    if (!this.#all.has(p)) throw new RangeError('Optimizer.setParamFlags(): that tensor is not one of this optimizer\'s parameters');
    this.#flags.set(p, { ...this.#flags.get(p), ...flags });
  }

  /** The flags of one parameter, defaults filled in. */
  paramFlags(p: Tensor): Required<ParamFlags> {
    const f = this.#flags.get(p);
    return { doWd: f?.doWd ?? true, forceTrain: f?.forceTrain ?? false };
  }

  /**
   * fastai's `freeze_to(n)`: groups from `n` on train, the groups before stop training (except
   * parameters flagged forceTrain); negative `n` counts from the end. Clears the state, as
   * fastai's `Learner.freeze_to` does.
   */
  freezeTo(n: number): void {
    if (!Number.isInteger(n)) throw new RangeError(`Optimizer.freezeTo(): n must be an integer group index, got ${n}`);
    const len = this.#groups.length;
    const idx = n >= 0 ? n : len + n;
    if (idx >= len) {
      process.emitWarning(`Freezing ${idx} groups; model has ${len}; whole model is frozen.`, { code: 'FASTAI_TS_FREEZE_ALL' });
    }
    const cut = Math.min(Math.max(idx, 0), len);
    this.#groups.forEach((g, gi) => {
      for (const p of g) p.requiresGrad = gi >= cut || this.paramFlags(p).forceTrain;
    });
    this.clearState();
  }

  /** fastai's `freeze()`: `freezeTo(-1)`, only the last group trains (needs at least two groups). */
  freeze(): void {
    if (this.#groups.length < 2) {
      throw new RangeError('Optimizer.freeze(): the optimizer has one parameter group, so freezing would freeze everything; split the model into groups (a splitter) first');
    }
    this.freezeTo(-1);
  }

  /** fastai's `unfreeze()`: `freezeTo(0)`, every group trains. */
  unfreeze(): void {
    this.freezeTo(0);
  }

  /** One update of every parameter that has a gradient (others are skipped), under no-grad; temporaries are freed. */
  step(): void {
    this.#alive('step');
    torch.noGrad(() =>
      torch.tidy(() => {
        this.#groups.forEach((g, gi) => {
          const slots = this.#slots[gi]!;
          const buckets = new Map<number, { params: Tensor[]; grads: Tensor[]; doWd: boolean[]; slots: Slot[] }>();
          g.forEach((p, i) => {
            const grad = p.grad;
            if (grad === null) return;
            const slot = slots[i]!;
            let b = buckets.get(slot.step);
            if (!b) buckets.set(slot.step, (b = { params: [], grads: [], doWd: [], slots: [] }));
            b.params.push(p);
            b.grads.push(grad);
            b.doWd.push(this.#flags.get(p)?.doWd ?? true);
            b.slots.push(slot);
          });
          for (const [count, b] of buckets) {
            const ctx = makeContext(b.params, b.grads, b.doWd, b.slots, this.#hypers[gi]!, count);
            for (const s of this.#steppers) s(ctx);
            for (const slot of b.slots) slot.step = ctx.step;
          }
        });
      }),
    );
  }

  /** Sets every parameter's gradient to null (freeing it). */
  zeroGrad(): void {
    for (const g of this.#groups) for (const p of g) p.grad = null;
  }

  /** Frees every state tensor and resets the step counts. */
  clearState(): void {
    for (const g of this.#slots) for (const s of g) for (const t of s.state.values()) t.dispose();
    this.#slots = this.#emptySlots();
  }

  /**
   * The state: tensors named `group.index.name` (owned by the optimizer: copy them to keep them
   * past the next step) and meta `{ format, groupSizes, hypers, steps }` (JSON-able).
   */
  stateDict(): OptimizerState {
    this.#alive('stateDict');
    const tensors: Record<string, Tensor> = {};
    this.#slots.forEach((g, gi) => g.forEach((s, i) => s.state.forEach((t, name) => (tensors[`${gi}.${i}.${name}`] = t))));
    return {
      tensors,
      meta: {
        format: 'fastai-ts.optimizer/1',
        groupSizes: this.#groups.map((g) => g.length),
        hypers: this.#hypers.map((h) => ({ ...h })),
        steps: this.#slots.map((g) => g.map((s) => s.step)),
      },
    };
  }

  /** Replaces state, step counts and hypers by copies of those in `sd` (from {@link stateDict}, possibly saved and read back). */
  loadStateDict(sd: OptimizerState): void {
    this.#alive('loadStateDict');
    const meta = sd?.meta ?? {};
    const sizes = meta.groupSizes;
    const mine = this.#groups.map((g) => g.length);
    if (!Array.isArray(sizes) || sizes.length !== mine.length || sizes.some((s, i) => s !== mine[i])) {
      throw new RangeError(`Optimizer.loadStateDict(): the state is for groups of sizes ${JSON.stringify(sizes)}, this optimizer has ${JSON.stringify(mine)}; load it into an optimizer over the same parameter groups`);
    }
    const steps = meta.steps as number[][] | undefined;
    const hypers = meta.hypers as Hypers[] | undefined;
    const entries = Object.entries(sd.tensors ?? {}).map(([key, src]) => {
      const m = /^(\d+)\.(\d+)\.(.+)$/.exec(key);
      const p = m ? this.#groups[Number(m[1])]?.[Number(m[2])] : undefined;
      if (!m || !p) throw new RangeError(`Optimizer.loadStateDict(): unknown state tensor '${key}' (expected 'group.index.name' within groups of sizes ${JSON.stringify(mine)})`);
      if (src.shape.join() !== p.shape.join()) {
        throw new RangeError(`Optimizer.loadStateDict(): state '${key}' has shape [${src.shape}] but the parameter has [${p.shape}]`);
      }
      return { g: Number(m[1]), i: Number(m[2]), name: m[3]!, p, src };
    });
    this.clearState();
    torch.noGrad(() =>
      torch.tidy(() => {
        for (const { g, i, name, p, src } of entries) this.#slots[g]![i]!.state.set(name, torch.keep(torch.zerosLike(p).copy_(src)));
      }),
    );
    this.#slots.forEach((g, gi) => g.forEach((s, i) => (s.step = steps?.[gi]?.[i] ?? 0)));
    if (Array.isArray(hypers) && hypers.length === this.#hypers.length) hypers.forEach((h, i) => Object.assign(this.#hypers[i]!, h));
  }

  /** Frees the state; the optimizer cannot step afterwards (the parameters are the model's and stay). */
  dispose(): void {
    this.clearState();
    this.#disposed = true;
  }

  #alive(what: string): void {
    if (this.#disposed) throw new Error(`Optimizer.${what}(): this optimizer was disposed; create a new one (learn.createOpt())`);
  }

  #emptySlots(): Slot[][] {
    return this.#groups.map((g) => g.map(() => ({ state: new Map<string, Tensor>(), step: 0 })));
  }
}

function makeContext(params: Tensor[], grads: Tensor[], doWd: boolean[], slots: Slot[], hypers: Hypers, step: number): StepContext {
  const cache = new Map<string, Tensor[]>();
  return {
    params, grads, doWd, hypers, step,
    state(name: string, init: 'zeros' | 'clone' = 'zeros'): Tensor[] {
      let list = cache.get(name);
      if (!list) {
        list = slots.map((s, i) => {
          let t = s.state.get(name);
          if (!t) s.state.set(name, (t = torch.keep(init === 'clone' ? params[i]!.detach().clone() : torch.zerosLike(params[i]!))));
          return t;
        });
        cache.set(name, list);
      }
      return list;
    },
  };
}

/** Options of {@link Lookahead}. */
export interface LookaheadOptions {
  /** Steps of the inner optimizer between two slow-weight updates (default 6). */
  k?: number;
  /** How far the slow weights move towards the fast ones (default 0.5). */
  alpha?: number;
}

/**
 * fastai's `Lookahead` wrapper: every `k` steps of the inner optimizer the slow weights move
 * `alpha` of the way to the fast ones (`slow += alpha*(fast - slow)`) and the fast weights
 * restart from them. Offers every member of {@link Optimizer}, delegating to the inner one.
 */
export class LookaheadOptimizer extends Optimizer {
  /** Steps taken since the state was last cleared. */
  count = 0;
  #slow: Tensor[][] | null = null;

  /**
   * @param opt the inner optimizer (owned from now on: dispose() frees it)
   * @param k default 6
   * @param alpha default 0.5
   */
  constructor(
    readonly opt: Optimizer,
    readonly k = 6,
    readonly alpha = 0.5,
  ) {
    super(opt.paramGroups, [], {});
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`Lookahead: k must be a positive integer, got ${k}`);
    if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`Lookahead: alpha must be in (0, 1], got ${alpha}`);
  }

  override get paramGroups(): Tensor[][] {
    return this.opt.paramGroups;
  }
  override get hypers(): Hypers[] {
    return this.opt.hypers;
  }
  override setHyper(name: string, value: number | readonly number[] | LrSlice): void {
    this.opt.setHyper(name, value);
  }
  override setParamFlags(p: Tensor, flags: ParamFlags): void {
    this.opt.setParamFlags(p, flags);
  }
  override paramFlags(p: Tensor): Required<ParamFlags> {
    return this.opt.paramFlags(p);
  }
  override freezeTo(n: number): void {
    this.opt.freezeTo(n);
    this.clearState();
  }
  override zeroGrad(): void {
    this.opt.zeroGrad();
  }

  override step(): void {
    if (this.#slow === null) {
      this.#slow = torch.tidy(() => this.paramGroups.map((g) => g.map((p) => torch.keep(p.detach().clone()))));
    }
    this.opt.step();
    this.count += 1;
    if (this.count % this.k !== 0) return;
    const slow = this.#slow;
    torch.noGrad(() =>
      this.paramGroups.forEach((fast, gi) => {
        const s = slow[gi]!;
        torch.foreach.mul_(s, 1 - this.alpha);
        torch.foreach.add_(s, fast, this.alpha);
        torch.foreach.zero_(fast); // fast = slow in two exact calls (libtorch 1.13 has no _foreach_copy_)
        torch.foreach.add_(fast, s);
      }),
    );
  }

  override clearState(): void {
    this.opt.clearState();
    if (this.#slow) torch.dispose(this.#slow);
    this.#slow = null;
    this.count = 0;
  }

  /** The inner optimizer's state plus the slow weights (`lookahead.group.index`) and `meta.lookahead.count`. */
  override stateDict(): OptimizerState {
    const sd = this.opt.stateDict();
    this.#slow?.forEach((g, gi) => g.forEach((t, i) => (sd.tensors[`lookahead.${gi}.${i}`] = t)));
    sd.meta.lookahead = { count: this.count };
    return sd;
  }

  override loadStateDict(sd: OptimizerState): void {
    const inner: Record<string, Tensor> = {};
    const slowSrc = new Map<string, Tensor>();
    for (const [key, t] of Object.entries(sd.tensors)) {
      if (key.startsWith('lookahead.')) slowSrc.set(key.slice('lookahead.'.length), t);
      else inner[key] = t;
    }
    const { lookahead, ...meta } = sd.meta as { lookahead?: { count?: number } };
    this.opt.loadStateDict({ tensors: inner, meta });
    if (this.#slow) torch.dispose(this.#slow);
    this.#slow = null;
    if (slowSrc.size) {
      this.#slow = torch.noGrad(() => torch.tidy(() =>
        this.paramGroups.map((g, gi) =>
          g.map((p, i) => {
            const src = slowSrc.get(`${gi}.${i}`);
            if (!src) throw new RangeError(`Optimizer.loadStateDict(): the Lookahead state lacks slow weight 'lookahead.${gi}.${i}'`);
            return torch.keep(torch.zerosLike(p).copy_(src));
          }),
        ),
      ));
    }
    this.count = lookahead?.count ?? 0;
  }

  override dispose(): void {
    this.clearState();
    this.opt.dispose();
    super.dispose();
  }
}

/**
 * fastai's `Lookahead(opt, k, alpha)` as an optimizer factory wrapper.
 * @example const optFunc = Lookahead(Adam); // k 6, alpha 0.5
 */
export function Lookahead(optFunc: OptFunc, options: LookaheadOptions = {}): OptFunc {
  return (groups, opts) => new LookaheadOptimizer(optFunc(groups, opts), options.k ?? 6, options.alpha ?? 0.5);
}

/**
 * fastai's `ranger`: {@link Lookahead} over {@link RAdam} with `mom` 0.95, `wd` 0.01, `eps` 1e-6
 * (other RAdam options as RAdam's; k 6, alpha 0.5).
 */
export function ranger(paramGroups: Tensor[][], options: RAdamOptions & LookaheadOptions): Optimizer {
  const { k, alpha, ...rest } = options;
  return new LookaheadOptimizer(RAdam(paramGroups, { mom: 0.95, wd: 0.01, eps: 1e-6, ...rest }), k ?? 6, alpha ?? 0.5);
}
