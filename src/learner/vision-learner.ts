/**
 * `visionLearner` (fastai's `vision_learner`): a pretrained architecture's body with a new
 * head for the data's classes, the normalisation its weights expect, and a Learner that starts
 * frozen.
 * @module
 */
import type { DataLoaders } from '../data/index.js';
import type { nn } from '../torch/index.js';
import {
  type ArchOptions, type ArchSpec, createBody, createVisionModel, getArch, type HeadOptions, imagenetStats, Normalize,
  type NormalizeTransform, type VisionModelOptions, defaultSplit,
} from '../vision/index.js';
import { Learner, type LearnerOptions } from './learner.js';

/** Options for {@link visionLearner}, with fastai's defaults. */
export interface VisionLearnerOptions extends LearnerOptions, HeadOptions, Pick<VisionModelOptions, 'cut' | 'customHead' | 'init' | 'weights' | 'sha256'> {
  /** Start from the architecture's pretrained weights (and freeze the body). false ignores `weights`. Default true. */
  pretrained?: boolean;
  /** Classes to predict. Default: the data's (`dls.c`). */
  nOut?: number;
  /** Add the normalisation the pretrained weights expect to the batch transforms (when pretrained, and none is there yet). Default true. */
  normalize?: boolean;
}

/** An architecture given as a function (no registry entry): fastai's defaults for the cut and groups. */
function specOf(arch: (options?: ArchOptions) => nn.Module): ArchSpec {
  return {
    name: arch.name || 'custom',
    description: 'an architecture given as a function',
    create: arch,
    cut: (m) => createBody(m),
    nf: 0, // measured (numFeaturesModel), as a cut is given
    splitter: defaultSplit,
    stats: imagenetStats,
  };
}

/**
 * fastai's `vision_learner`: builds `createVisionModel(arch, dls.c)` (pretrained by default,
 * downloaded if needed), adds `Normalize` with the weights' statistics to the batch
 * transforms, picks the loss from the target (flattened cross-entropy for a category), and
 * freezes the body when pretrained.
 * @param arch a registered name (`'resnet34'`, `'mobilenet_v1_0.75'`), a spec, or a model function
 * @example
 * const learn = await visionLearner(dls, 'resnet34', { metrics: [errorRate] });
 * await learn.fineTune(2);
 */
export async function visionLearner(
  dls: DataLoaders,
  arch: string | ArchSpec | ((options?: ArchOptions) => nn.Module),
  options: VisionLearnerOptions = {},
): Promise<Learner> {
  const spec = typeof arch === 'function' ? specOf(arch) : getArch(arch);
  const {
    pretrained = true, nOut, normalize = true, cut, customHead, init, weights, sha256,
    linFtrs, ps, pool, concatPool, firstBn, bnFinal, lastActivation, ...learnerOptions
  } = options;
  const classes = nOut ?? dls.c;
  // pretrained: false means random weights, even when `weights` names a file or folder.
  const modelOptions: VisionModelOptions = {
    pretrained, linFtrs, ps, pool, concatPool, firstBn, bnFinal, lastActivation, customHead, init,
    ...(pretrained ? { weights, sha256 } : {}),
  };
  const cutOption = cut ?? (typeof arch === 'function' ? spec.cut : undefined);
  if (cutOption !== undefined) modelOptions.cut = cutOption;
  for (const k of Object.keys(modelOptions) as (keyof VisionModelOptions)[]) if (modelOptions[k] === undefined) delete modelOptions[k];
  const model = await createVisionModel(spec, classes, modelOptions);
  if (pretrained && normalize && !dls.pipeline.batchTfms.some((t) => t.name === 'Normalize')) {
    const [mean, std] = spec.stats;
    dls.addTfms([Normalize.fromStats(mean, std) as NormalizeTransform]);
  }
  const learn = new Learner(dls, model, { splitter: () => model.paramGroups(), ...learnerOptions });
  if (pretrained) learn.freeze();
  return learn;
}
