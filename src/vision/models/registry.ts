/**
 * Architectures by name, with the metadata transfer learning needs (fastai's `model_meta`):
 * where to cut the body, its output width, the parameter groups, the input normalisation
 * and the pretrained weights.
 * @module
 */
import { imagenetStats, inceptionStats } from '../normalize.js';
import type { ArchSpec } from './arch.js';
import { mobilenetV1, mobilenetV1Name } from './mobilenet-v1.js';
import { resnet18, resnet34, resnet50 } from './resnet.js';
import { mnistStats, SIMPLE_CNN_WIDTHS, simpleCnn } from './simple-cnn.js';
import { mobilenetV1Split, resnetSplit, splitBodyAt } from './splitters.js';
import { weightsFor } from './weights-zoo.js';

const ARCHS = new Map<string, ArchSpec>();

/**
 * Adds an architecture (or replaces one of the same name), so the CLI, `createVisionModel` and
 * `visionLearner` accept its name.
 */
export function registerArch(spec: ArchSpec): ArchSpec {
  ARCHS.set(spec.name, spec);
  return spec;
}

/** The names of every registered architecture, in registration order. */
export function archNames(): string[] {
  return [...ARCHS.keys()];
}

/** The architecture called `name` (a spec passes through). Unknown names fail with the list of known ones. */
export function getArch(arch: string | ArchSpec): ArchSpec {
  if (typeof arch !== 'string') return arch;
  const spec = ARCHS.get(arch);
  if (!spec) throw new Error(`unknown architecture '${arch}'; known: ${archNames().join(', ')} (or register your own with registerArch)`);
  return spec;
}

const resnets = [
  ['resnet18', resnet18, 512, 'ResNet-18 (11.7M parameters), torchvision layout'],
  ['resnet34', resnet34, 512, 'ResNet-34 (21.8M parameters), torchvision layout; fastai\'s default'],
  ['resnet50', resnet50, 2048, 'ResNet-50 (25.6M parameters, Bottleneck blocks), torchvision layout'],
] as const;
for (const [name, create, nf, description] of resnets) {
  // fastai's model_meta for resnets: cut -2 (drop avgpool and fc), _resnet_split, imagenet_stats.
  registerArch({ name, description, create, cut: -2, nf, splitter: resnetSplit, stats: imagenetStats, weights: weightsFor(name) });
}

for (const alpha of [0.25, 0.5, 0.75, 1.0]) {
  const name = mobilenetV1Name(alpha);
  registerArch({
    name,
    description: `MobileNet v1 width ${alpha} (Keras layout, TF "same" padding)` + (weightsFor(name) ? '' : '; no registered pretrained weights'),
    create: (options = {}) => mobilenetV1({ ...options, alpha }),
    cut: -4, // drop global_pool, dropout, conv_preds, flatten
    nf: Math.floor(1024 * alpha),
    splitter: mobilenetV1Split,
    stats: inceptionStats,
    weights: weightsFor(name),
  });
}

registerArch({
  name: 'simple_cnn',
  description: 'a small CNN for 28 px images trained from scratch (stride-2 conv-BN-ReLU blocks, as fastbook chapter 13); no pretrained weights',
  create: simpleCnn,
  cut: -3, // drop pool, flatten, fc
  nf: SIMPLE_CNN_WIDTHS[SIMPLE_CNN_WIDTHS.length - 1]!,
  // stem, block1, block2 | block3, block4 | head: three groups, as the ResNets', so slice(lo, hi) means the same.
  splitter: splitBodyAt(3),
  stats: mnistStats,
});
