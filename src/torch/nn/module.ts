/**
 * nn.Module: the base of every layer and model. Holds named parameters, buffers and child
 * modules with PyTorch's state-dict naming, so PyTorch checkpoints load unchanged.
 * @module
 */
import { aten } from '../aten.js';
import { noGrad } from '../autograd.js';
import type { DType } from '../dtype.js';
import type { StateDict } from '../safetensors.js';
import { keep } from '../scope.js';
import { callVoid, type MemoryFormat, type Tensor } from '../tensor.js';

const SET_DATA = aten('set_data');

/** Options for {@link Module.loadStateDict}. */
export interface LoadStateDictOptions {
  /** Fail on any missing or unexpected key (shape mismatches always fail). Default true. */
  strict?: boolean;
}

/** What {@link Module.loadStateDict} found. */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** Buffers PyTorch's loaders accept as missing (older checkpoints and many published ones omit them). */
const OPTIONAL_BUFFERS = new Set(['num_batches_tracked']);

/**
 * Base class of layers and models. A subclass registers its parts in the constructor and
 * implements `forward`; callers use `call` (which may grow hooks later).
 *
 * @example
 * class TwoLayer extends nn.Module {
 *   fc1 = this.registerModule('fc1', new nn.Linear(4, 8));
 *   fc2 = this.registerModule('fc2', new nn.Linear(8, 2));
 *   forward(x: Tensor) { return torch.tidy(() => this.fc2.call(F.relu(this.fc1.call(x)))); }
 * }
 */
export abstract class Module<In extends unknown[] = [Tensor], Out = Tensor> {
  /** Training mode (dropout active, batch statistics); see train()/eval(). */
  training = true;
  readonly #parameters = new Map<string, Tensor | null>();
  readonly #buffers = new Map<string, Tensor | null>();
  readonly #nonPersistent = new Set<string>();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly #modules = new Map<string, Module<any, any>>();

  abstract forward(...args: In): Out;

  /** Runs the module (PyTorch's `module(x)`). */
  call(...args: In): Out {
    return this.forward(...args);
  }

  /** Registers a trainable tensor under `name` (requiresGrad is turned on). Returns it. */
  protected registerParameter<T extends Tensor | null>(name: string, value: T): T {
    checkName(name, this);
    if (value !== null) {
      keep(value);
      if (!value.requiresGrad) value.requiresGrad = true;
    }
    this.#parameters.set(name, value);
    return value;
  }

  /** Registers a non-trainable tensor (running statistics). Non-persistent buffers stay out of the state dict. */
  protected registerBuffer<T extends Tensor | null>(name: string, value: T, persistent = true): T {
    checkName(name, this);
    if (value !== null) keep(value);
    this.#buffers.set(name, value);
    if (!persistent) this.#nonPersistent.add(name);
    return value;
  }

  /** Registers a child module; its parameters are named `name.<theirs>`. Returns it. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  protected registerModule<M extends Module<any, any>>(name: string, module: M): M {
    checkName(name, this);
    this.#modules.set(name, module);
    return module;
  }

  /** @internal Used by containers that rebuild their children. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  protected childEntries(): Map<string, Module<any, any>> {
    return this.#modules;
  }

  /** Direct children with their names. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  namedChildren(): [string, Module<any, any>][] {
    return [...this.#modules];
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  children(): Module<any, any>[] {
    return [...this.#modules.values()];
  }

  /** This module and every descendant, depth first, with dotted names ('' for this one). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  namedModules(prefix = ''): [string, Module<any, any>][] {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const out: [string, Module<any, any>][] = [[prefix, this]];
    for (const [name, m] of this.#modules) out.push(...m.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  modules(): Module<any, any>[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Parameters with their state-dict names; each tensor once even if shared. */
  namedParameters(prefix = '', recurse = true): [string, Tensor][] {
    return this.#named(prefix, recurse, (m) => m.#parameters);
  }

  parameters(recurse = true): Tensor[] {
    return this.namedParameters('', recurse).map(([, p]) => p);
  }

  namedBuffers(prefix = '', recurse = true): [string, Tensor][] {
    return this.#named(prefix, recurse, (m) => m.#buffers);
  }

  buffers(recurse = true): Tensor[] {
    return this.namedBuffers('', recurse).map(([, b]) => b);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  #named(prefix: string, recurse: boolean, pick: (m: Module<any, any>) => Map<string, Tensor | null>): [string, Tensor][] {
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    const modules = recurse ? this.namedModules(prefix) : [[prefix, this] as const];
    for (const [mname, m] of modules) {
      for (const [name, t] of pick(m)) {
        if (t === null || seen.has(t)) continue;
        seen.add(t);
        out.push([mname ? `${mname}.${name}` : name, t]);
      }
    }
    return out;
  }

  /** Sets training mode here and in every descendant. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: dropout off, BatchNorm uses its running statistics. */
  eval(): this {
    return this.train(false);
  }

  /** Calls `fn` on every descendant and then this module (as PyTorch's `apply`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  apply(fn: (m: Module<any, any>) => void): this {
    for (const m of this.#modules.values()) m.apply(fn);
    fn(this);
    return this;
  }

  /** Turns gradient tracking of every parameter on or off (freezing). */
  requiresGrad_(on = true): this {
    for (const p of this.parameters()) p.requiresGrad = on;
    return this;
  }

  /** Frees every parameter's gradient (PyTorch's `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /**
   * Parameters and persistent buffers by their PyTorch names (`layer1.0.bn1.running_mean`).
   * The values are the module's own tensors, not copies: do not dispose them.
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [prefix, m] of this.namedModules()) {
      const key = (n: string) => (prefix ? `${prefix}.${n}` : n);
      for (const [n, p] of m.#parameters) if (p) out[key(n)] = p;
      for (const [n, b] of m.#buffers) if (b && !m.#nonPersistent.has(n)) out[key(n)] = b;
    }
    return out;
  }

  /**
   * Copies tensors from `stateDict` into this module's parameters and buffers (converting dtype
   * and device as needed). A shape mismatch always fails, naming the key and both shapes; missing
   * and unexpected keys fail when `strict` (default) and are reported otherwise. BatchNorm's
   * `num_batches_tracked` may be missing, as in PyTorch.
   */
  loadStateDict(stateDict: StateDict, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    const own = this.stateDict();
    const missingKeys: string[] = [];
    const mismatched: string[] = [];
    for (const [key, target] of Object.entries(own)) {
      const src = stateDict[key];
      if (src === undefined) {
        if (!OPTIONAL_BUFFERS.has(key.slice(key.lastIndexOf('.') + 1))) missingKeys.push(key);
        continue;
      }
      const a = target.shape;
      const b = src.shape;
      if (a.length !== b.length || a.some((v, i) => v !== b[i])) {
        mismatched.push(`size mismatch for ${key}: copying a param with shape [${b.join(', ')}] from checkpoint, the shape in current model is [${a.join(', ')}].`);
      }
    }
    const unexpectedKeys = Object.keys(stateDict).filter((k) => !(k in own));
    const problems = [...mismatched];
    if (strict) {
      if (missingKeys.length) problems.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}.`);
      if (unexpectedKeys.length) problems.push(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}.`);
    }
    if (problems.length) {
      throw new Error(`Error(s) in loading state_dict for ${this.constructor.name}:\n\t${problems.join('\n\t')}`);
    }
    noGrad(() => {
      for (const [key, target] of Object.entries(own)) {
        const src = stateDict[key];
        if (src !== undefined) target.copy_(src);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  /**
   * Moves or converts every parameter and buffer in place, keeping tensor identity (optimizers
   * holding them stay valid). Floating-point tensors only change dtype; integer buffers keep theirs.
   */
  to(options: { device?: string; dtype?: DType; memoryFormat?: MemoryFormat }): this {
    noGrad(() => {
      for (const t of [...this.parameters(), ...this.buffers()]) {
        const dtype = options.dtype && t.isFloatingPoint() ? options.dtype : t.dtype;
        let moved = t.toDevice(options.device ?? t.device, dtype);
        if (options.memoryFormat && moved.ndim === 4) {
          const c = moved.contiguous(options.memoryFormat);
          moved.dispose();
          moved = c;
        }
        callVoid(SET_DATA, t._h, moved._h);
        moved.dispose();
      }
    });
    return this;
  }

  /** Frees every parameter and buffer now. The module cannot be used afterwards. */
  dispose(): void {
    for (const t of [...this.parameters(), ...this.buffers()]) t.dispose();
  }

  /** Extra text shown inside this module's parentheses by toString(). */
  extraRepr(): string {
    return '';
  }

  /** PyTorch-style nested description of the module tree. */
  toString(): string {
    const children = this.namedChildren();
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (children.length === 0) return `${head})`;
    const lines = children.map(([n, m]) => `  (${n}): ${m.toString().split('\n').join('\n  ')}`);
    return `${head}\n${lines.join('\n')}\n)`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function checkName(name: string, m: Module<any, any>): void {
  if (!name || name.includes('.')) {
    throw new Error(`${m.constructor.name}: invalid name '${name}' (names must be non-empty and contain no '.')`);
  }
}
