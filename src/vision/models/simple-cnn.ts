/**
 * A small convolutional net for small images (MNIST-sized, 28 px) trained from scratch, as
 * fastbook chapter 13's `simple_cnn`: stride-2 conv-BatchNorm-ReLU blocks that halve the size
 * and double the channels, then a pooled linear classifier. It has no pretrained weights; it
 * is registered (as `'simple_cnn'`) so `visionLearner(dls, 'simple_cnn', { pretrained: false })`
 * gives fastai's head on its body and the result exports like any registered architecture.
 * @module
 */
import { nn } from '../../torch/index.js';
import type { NormalizationStats } from '../normalize.js';
import type { ArchOptions } from './arch.js';
import { withPretrained } from './weights.js';

/**
 * MNIST's pixel mean and standard deviation (0.1307, 0.3081, the usual figures), per RGB
 * channel: `simple_cnn`'s registered stats. visionLearner adds an architecture's stats only
 * when pretrained, so a from-scratch recipe adds them itself:
 * `batchTfms: [Normalize.fromStats(...mnistStats)]`.
 */
export const mnistStats: NormalizationStats = [[0.1307, 0.1307, 0.1307], [0.3081, 0.3081, 0.3081]];

/** Output channels of the four stride-2 blocks (28 px -> 14, 7, 4, 2). */
export const SIMPLE_CNN_WIDTHS: readonly number[] = [32, 64, 128, 256];

/**
 * One block: a 3x3 convolution (no bias: the BatchNorm after it has one), BatchNorm, ReLU, as
 * fastai's `ConvLayer`.
 */
function convLayer(inC: number, outC: number, stride: number): nn.Sequential {
  return new nn.Sequential(new nn.Conv2d(inC, outC, 3, { stride, padding: 1, bias: false }), new nn.BatchNorm2d(outC), new nn.ReLU(true));
}

/**
 * The net as one Sequential: `stem` (a stride-1 block at full resolution, so the first
 * downsampling sees edges rather than raw pixels), `block1` ... `block4` (stride 2, widths
 * {@link SIMPLE_CNN_WIDTHS}), then `pool`, `flatten`, `fc`. Input: 3-channel images of any size
 * (28 px gives 2x2 features before the pool).
 */
export class SimpleCNN extends nn.Sequential {
  /** Channels of the features before the classifier (the last width). */
  readonly numFeatures: number;

  /** @param numClasses classifier outputs (default 10, the digits) */
  constructor(numClasses = 10) {
    super();
    const stem = SIMPLE_CNN_WIDTHS[0]! / 2;
    this.registerModule('stem', convLayer(3, stem, 1));
    let inC = stem;
    SIMPLE_CNN_WIDTHS.forEach((outC, i) => {
      this.registerModule(`block${i + 1}`, convLayer(inC, outC, 2));
      inC = outC;
    });
    this.numFeatures = inC;
    this.registerModule('pool', new nn.AdaptiveAvgPool2d(1));
    this.registerModule('flatten', new nn.Flatten());
    this.registerModule('fc', new nn.Linear(inC, numClasses));
    // He initialisation for ReLU nets, as torchvision's CNNs.
    for (const m of this.modules()) if (m instanceof nn.Conv2d) nn.init.kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
  }
}

/**
 * {@link SimpleCNN} for `options.numClasses` (default 10). There are no registered pretrained
 * weights: `pretrained: true` fails unless `weights` names a file of your own.
 * @example
 * const learn = await visionLearner(dls, 'simple_cnn', { pretrained: false, metrics: [errorRate] });
 */
export function simpleCnn(options: ArchOptions = {}): SimpleCNN {
  return withPretrained('simple_cnn', undefined, new SimpleCNN(options.numClasses ?? 10), options);
}
