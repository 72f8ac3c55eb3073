import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** A module taking and returning one tensor, as chained inside a Sequential. */
export type Layer = Module<[Tensor], Tensor>;

/**
 * Runs its children in order. Children are named '0', '1', ... (or given names), so state-dict
 * keys are PyTorch's (`0.weight`). Intermediate results are freed as it goes.
 */
export class Sequential extends Module {
  constructor(...layers: Layer[]) {
    super();
    layers.forEach((m, i) => this.registerModule(String(i), m));
  }

  /** A Sequential whose children have the given names (PyTorch's `Sequential(OrderedDict(...))`). */
  static fromNamed(entries: [string, Layer][] | Record<string, Layer>): Sequential {
    const s = new Sequential();
    for (const [name, m] of Array.isArray(entries) ? entries : Object.entries(entries)) s.registerModule(name, m);
    return s;
  }

  get length(): number {
    return this.childEntries().size;
  }

  /** The child at position `i` (negative counts from the end). */
  at(i: number): Layer {
    const list = this.children() as Layer[];
    const m = list[i < 0 ? i + list.length : i];
    if (!m) throw new RangeError(`Sequential index ${i} is out of range for ${list.length} layers`);
    return m;
  }

  /** Layers `start..end` (exclusive) as a new Sequential sharing them and keeping their names, as PyTorch's `seq[a:b]`. */
  slice(start = 0, end?: number): Sequential {
    return Sequential.fromNamed((this.namedChildren() as [string, Layer][]).slice(start, end));
  }

  /** Adds a layer at the end, named by its position. */
  append(m: Layer): this {
    this.registerModule(String(this.length), m);
    return this;
  }

  [Symbol.iterator](): Iterator<Layer> {
    return (this.children() as Layer[])[Symbol.iterator]();
  }

  forward(x: Tensor): Tensor {
    let out = x;
    for (const m of this.childEntries().values() as IterableIterator<Layer>) {
      const next = m.call(out);
      // Free intermediates eagerly; autograd keeps what backward needs.
      if (out !== x && next !== out) out.dispose();
      out = next;
    }
    return out;
  }
}
