/**
 * `learn.save` / `learn.load`: the model's weights and, optionally, the optimizer state in one
 * safetensors file under `path/modelDir` (written atomically by saveSafetensors).
 * @module
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { type StateDict, torch } from '../torch/index.js';
import type { nn } from '../torch/index.js';
import type { Optimizer } from './optimizer.js';

/** The format a checkpoint's metadata names. */
export const CHECKPOINT_FORMAT = 'fastai-ts.checkpoint';
export const CHECKPOINT_VERSION = 1;

/** Options for `learn.save`. */
export interface SaveOptions {
  /** Save the optimizer state too (to resume training). Default true. */
  withOpt?: boolean;
}

/** Options for `learn.load`. */
export interface LoadOptions {
  /** Load the optimizer state when the file has one. Default true. */
  withOpt?: boolean;
  /** Fail on missing or unexpected model keys. Default true. */
  strict?: boolean;
}

/** `name` as a file: a path ending in .safetensors is used as is, otherwise `dir/name.safetensors`. */
export function checkpointFile(dir: string, name: string): string {
  if (typeof name !== 'string' || !name) throw new TypeError(`save/load: the name must be a non-empty string, e.g. 'stage-1'`);
  const file = name.endsWith('.safetensors') ? name : `${name}.safetensors`;
  return isAbsolute(file) || file.includes('/') ? file : join(dir, file);
}

/** Saves the model (and the optimizer when given) to `file`. */
export function saveCheckpoint(file: string, model: nn.Module, opt: Optimizer | null): void {
  const tensors: StateDict = {};
  for (const [k, t] of Object.entries(model.stateDict())) tensors[`model.${k}`] = t;
  const metadata: Record<string, string> = { format: CHECKPOINT_FORMAT, version: String(CHECKPOINT_VERSION) };
  if (opt) {
    const sd = opt.stateDict();
    for (const [k, t] of Object.entries(sd.tensors)) tensors[`opt.${k}`] = t;
    metadata.opt = JSON.stringify(sd.meta);
  }
  mkdirSync(dirname(file), { recursive: true });
  torch.saveSafetensors(file, tensors, metadata); // atomic: a temporary file, then a rename
}

/**
 * Loads `file` into the model, and into the optimizer when `getOpt` gives one and the file
 * has its state. Returns whether optimizer state was loaded.
 */
export function loadCheckpoint(file: string, model: nn.Module, getOpt: (() => Optimizer) | null, options: LoadOptions = {}): boolean {
  if (!existsSync(file)) {
    const dir = dirname(file);
    const have = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.safetensors')) : [];
    throw new Error(`load: no checkpoint ${file}; ${have.length ? `${dir} has ${have.join(', ')}` : `${dir} has no .safetensors files`} (learn.save(name) writes one)`);
  }
  const meta = torch.safetensorsMetadata(file);
  if (meta.format !== CHECKPOINT_FORMAT) {
    throw new Error(`load: ${file} is not a fastai-ts checkpoint (its metadata has no format '${CHECKPOINT_FORMAT}'); for plain weights use model.loadStateDict(torch.loadSafetensors(file)), for an export loadLearner(file)`);
  }
  if (Number(meta.version) > CHECKPOINT_VERSION) {
    throw new Error(`load: ${file} is checkpoint version ${meta.version}; this fastai-ts reads up to version ${CHECKPOINT_VERSION} (upgrade fastai-ts)`);
  }
  const all = torch.loadSafetensors(file);
  try {
    const modelSd: StateDict = {};
    const optSd: StateDict = {};
    for (const [k, t] of Object.entries(all)) {
      if (k.startsWith('model.')) modelSd[k.slice(6)] = t;
      else if (k.startsWith('opt.')) optSd[k.slice(4)] = t;
    }
    try {
      model.loadStateDict(modelSd, { strict: options.strict ?? true });
    } catch (e) {
      throw new Error(`load: ${file} does not fit this model: ${(e as Error).message}`, { cause: e });
    }
    if ((options.withOpt ?? true) && getOpt && meta.opt !== undefined) {
      getOpt().loadStateDict({ tensors: optSd, meta: JSON.parse(meta.opt) as Record<string, unknown> });
      return true;
    }
    return false;
  } finally {
    for (const t of Object.values(all)) t.dispose();
  }
}
