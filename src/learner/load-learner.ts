/**
 * `learn.export` and `loadLearner`: a Learner for inference from one self-contained file.
 * @module
 */
import { isAbsolute, join } from 'node:path';
import type { JSONObject, JSONValue } from '../data/index.js';
import { VisionModel } from '../vision/index.js';
import { readExport, type ReadExportOptions, writeExport } from './export.js';
import { Learner } from './learner.js';
import { BCEWithLogitsLossFlat, CrossEntropyLoss, CrossEntropyLossFlat, LabelSmoothingCrossEntropy, type LossFunction } from './losses.js';

/** The losses an export can name, rebuilt from their JSON options. */
const LOSSES: Record<string, (options: JSONObject) => LossFunction> = {
  CrossEntropyLossFlat: (o) => CrossEntropyLossFlat(o),
  CrossEntropyLoss: (o) => CrossEntropyLoss(o),
  BCEWithLogitsLossFlat: (o) => BCEWithLogitsLossFlat(o),
  LabelSmoothingCrossEntropy: (o) => LabelSmoothingCrossEntropy(o),
};

/** The JSON options of the built-in losses (a class weight tensor is not kept: inference does not need it). */
function lossOptions(loss: LossFunction): JSONObject {
  const out: JSONObject = {};
  for (const key of ['axis', 'labelSmoothing', 'thresh', 'eps'] as const) {
    const v = (loss as unknown as Record<string, unknown>)[key];
    if (typeof v === 'number') out[key] = v;
  }
  return out;
}

/** Writes `learn` as an export (see `Learner.export`). */
export function exportLearner(learn: Learner, file: string): string {
  const target = isAbsolute(file) || file.includes('/') ? file : join(learn.path, file);
  if (!(learn.model instanceof VisionModel)) {
    throw new Error('export: only vision models built by visionLearner/createVisionModel can be exported (their architecture is rebuilt by name); save the weights with learn.save(name) instead');
  }
  const loss = learn.lossFunc;
  if (!(loss.name in LOSSES)) {
    throw new Error(`export: the loss '${loss.name}' cannot be stored (built in: ${Object.keys(LOSSES).join(', ')}); pass lossFunc to loadLearner's result instead`);
  }
  if (!learn.isMainProcess) return target; // one writer in a distributed run
  writeExport(target, { model: learn.model, dls: learn.dls, lossFunc: loss.name, lossOptions: lossOptions(loss) });
  return target;
}

/** Options for {@link loadLearner}. */
export interface LoadLearnerOptions extends ReadExportOptions {
  /** Leave out the progress output. Default true (a loaded Learner is for inference). */
  quiet?: boolean;
}

/**
 * Rebuilds a Learner for inference from a file written by `learn.export()`, without the
 * training data: `predict`, `getPreds` on `dls.testDl(items)`, and the vocab work as on the
 * original. A corrupt file, a newer format version or an unknown architecture fails with a
 * message naming the file and the problem.
 * @example
 * const learn = await loadLearner('models/pets.safetensors');
 * const { label, probs } = await learn.predict('my-cat.jpg');
 */
export async function loadLearner(file: string, options: LoadLearnerOptions = {}): Promise<Learner> {
  const { quiet = true, ...read } = options;
  const loaded = await readExport(file, read);
  const make = LOSSES[loaded.lossFunc];
  if (!make) throw new Error(`loadLearner: ${file} names the loss '${loaded.lossFunc}', which this fastai-ts does not know (known: ${Object.keys(LOSSES).join(', ')})`);
  const lossOpts = (loaded.lossOptions ?? {}) as JSONValue;
  const lossFunc = make(typeof lossOpts === 'object' && lossOpts !== null && !Array.isArray(lossOpts) ? (lossOpts as JSONObject) : {});
  loaded.model.to({ device: loaded.dls.device });
  return new Learner(loaded.dls, loaded.model, { lossFunc, quiet });
}
