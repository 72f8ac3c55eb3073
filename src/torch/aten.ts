/**
 * ATen operators by schema name, looked up once through the dispatcher and then called by id.
 * @module
 */
import { native } from './native.js';

/** One ATen operator overload, e.g. `aten('add', 'Tensor')`; its id is resolved on first use. */
export class Op {
  private id = -1;
  /**
   * @param name the schema name without the `aten::` namespace, e.g. `'add'`
   * @param overload the overload name, e.g. `'Tensor'`; `''` for the default overload
   */
  constructor(
    readonly name: string,
    readonly overload: string,
  ) {}

  /** The dispatcher id (looked up on first use; throws if this libtorch lacks the operator). */
  get handle(): number {
    if (this.id < 0) this.id = native.opLookup(`aten::${this.name}`, this.overload);
    return this.id;
  }

  /** The operator's schema, as libtorch prints it (for error messages and debugging). */
  get schema(): string {
    return native.opSchema(this.handle);
  }
}

const ops = new Map<string, Op>();

/** The operator `aten::name.overload` (shared instances, so each is looked up once). */
export function aten(name: string, overload = ''): Op {
  const key = `${name}.${overload}`;
  let op = ops.get(key);
  if (!op) {
    op = new Op(name, overload);
    ops.set(key, op);
  }
  return op;
}

/**
 * @internal Every operator declared so far with {@link aten} (modules declare theirs when they
 * load), so a test can resolve them all at once instead of finding a misspelt name on first use.
 */
export function declaredOps(): Op[] {
  return [...ops.values()];
}
