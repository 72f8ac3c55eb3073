/**
 * Specs: transforms and blocks described as plain JSON (a type name and its options), so a
 * pipeline can be written into a file with no code in it and rebuilt from a registry of
 * factories (what `learn.export` / `loadLearner` store). A transform opts in with a `spec()`
 * member and a `registerSpec(type, fromSpec)` call; the data layer registers its own
 * (CategoryBlock, Categorize), the vision layer its (ImageBlock, Resize, Normalize, ...).
 * Functions (getters, labellers) are never stored.
 * @module
 */
import type { Pipeline } from './pipeline.js';
import type { BatchTransform, ItemTransform, TransformBlock } from './transform.js';
import { describeArg } from './validate.js';

/** A JSON value (what a spec's options may hold). */
export type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };

/** A JSON object. */
export type JSONObject = { [key: string]: JSONValue };

/** A transform or block as data: the registered type name and the options its factory takes. */
export interface TransformSpec {
  /** The name it is registered under with {@link registerSpec}, e.g. `'Resize'`. */
  readonly type: string;
  /** What the factory needs to rebuild it (JSON only). Default `{}`. */
  readonly options?: JSONObject;
}

/** Anything that can describe itself as a {@link TransformSpec}. */
export interface Specable {
  readonly name: string;
  spec?(): TransformSpec;
}

/** Rebuilds an object from its spec's options. */
export type FromSpec = (options: JSONObject) => unknown;

const REGISTRY = new Map<string, FromSpec>();

/**
 * Registers the factory that rebuilds `type` from its spec's options (replacing any of that
 * name). Register custom transforms before writing or reading an export that uses them.
 * @example
 * registerSpec('MyTfm', (o) => MyTfm(o.size as number));
 */
export function registerSpec(type: string, fromSpec: FromSpec): void {
  if (typeof type !== 'string' || !type) throw new TypeError(`registerSpec: type must be a non-empty string, got ${describeArg(type)}`);
  if (typeof fromSpec !== 'function') throw new TypeError(`registerSpec('${type}'): fromSpec must be a function (options) => transform, got ${describeArg(fromSpec)}`);
  REGISTRY.set(type, fromSpec);
}

/** The registered spec types, in registration order. */
export function specTypes(): string[] {
  return [...REGISTRY.keys()];
}

/**
 * The spec of `t`, checked: it must have a `spec()` member, its type must be registered, and
 * its options must survive JSON. Throws naming `who`, the transform and the fix.
 */
export function toSpec(t: Specable, who = 'toSpec'): TransformSpec {
  if (typeof t.spec !== 'function') {
    throw new Error(
      `${who}: '${t.name}' cannot be stored: it has no spec() (custom transforms: add spec() returning { type, options } ` +
        `and call registerSpec(type, fromSpec) so it can be rebuilt; registered: ${specTypes().join(', ')})`,
    );
  }
  const spec = t.spec();
  if (!REGISTRY.has(spec.type)) {
    throw new Error(`${who}: '${t.name}' has spec type '${spec.type}', which is not registered; call registerSpec('${spec.type}', fromSpec)`);
  }
  const options = spec.options ?? {};
  const json = JSON.stringify(options, (_k, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`${who}: '${t.name}' has a non-finite option (${v}), which JSON cannot store`);
    return v;
  });
  return { type: spec.type, options: JSON.parse(json) as JSONObject };
}

/** Rebuilds a transform or block from its spec. An unregistered type fails with the registered ones. */
export function fromSpec<T = unknown>(spec: TransformSpec, who = 'fromSpec'): T {
  if (spec === null || typeof spec !== 'object' || typeof spec.type !== 'string') {
    throw new TypeError(`${who}: a spec must be { type: string, options?: object }, got ${describeArg(spec)}`);
  }
  const make = REGISTRY.get(spec.type);
  if (!make) {
    throw new Error(
      `${who}: unknown transform type '${spec.type}' (registered: ${specTypes().join(', ')}); ` +
        'if it is a custom transform, call registerSpec before loading',
    );
  }
  try {
    return make(spec.options ?? {}) as T;
  } catch (e) {
    throw new Error(`${who}: cannot rebuild '${spec.type}' from ${JSON.stringify(spec.options ?? {})}: ${(e as Error).message}`, { cause: e });
  }
}

/** A pipeline as data: its blocks and the transforms added to the blocks' own (see {@link pipelineSpec}). */
export interface PipelineSpec {
  readonly blocks: readonly TransformSpec[];
  readonly itemTfms: readonly TransformSpec[];
  readonly batchTfms: readonly TransformSpec[];
}

/**
 * The spec of a pipeline: each block, and the item and batch transforms other than the
 * blocks' own defaults (a rebuilt block brings those back; `Pipeline.create` re-adds them in
 * the same order, so the rebuilt pipeline runs the same steps).
 */
export function pipelineSpec(pipeline: Pipeline, who = 'pipelineSpec'): PipelineSpec {
  const own = new Set<unknown>(pipeline.blocks.flatMap((b) => [...(b.itemTfms ?? []), ...(b.batchTfms ?? [])]));
  return {
    blocks: pipeline.blocks.map((b) => toSpec(b, `${who} (block)`)),
    itemTfms: pipeline.itemTfms.filter((t) => !own.has(t)).map((t) => toSpec(t, `${who} (item transform)`)),
    batchTfms: pipeline.batchTfms.filter((t) => !own.has(t)).map((t) => toSpec(t, `${who} (batch transform)`)),
  };
}

/** The blocks and transforms of a {@link PipelineSpec}, rebuilt (for `Pipeline.create` or `DataLoaders.forInference`). */
export function pipelineFromSpec(spec: PipelineSpec, who = 'pipelineFromSpec'): {
  blocks: TransformBlock[];
  itemTfms: ItemTransform[];
  batchTfms: BatchTransform[];
} {
  const list = (v: unknown, what: string): TransformSpec[] => {
    if (!Array.isArray(v)) throw new TypeError(`${who}: ${what} must be an array of specs, got ${describeArg(v)}`);
    return v as TransformSpec[];
  };
  return {
    blocks: list(spec.blocks, 'blocks').map((s) => fromSpec<TransformBlock>(s, who)),
    itemTfms: list(spec.itemTfms, 'itemTfms').map((s) => fromSpec<ItemTransform>(s, who)),
    batchTfms: list(spec.batchTfms, 'batchTfms').map((s) => fromSpec<BatchTransform>(s, who)),
  };
}
