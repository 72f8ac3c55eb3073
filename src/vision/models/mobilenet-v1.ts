/**
 * MobileNet v1 (Howard et al. 2017) laid out as the Keras ImageNet model, so its converted
 * weights load unchanged: TensorFlow "same" padding, BatchNorm epsilon 1e-3, ReLU6, and Keras's
 * layer names as state-dict keys (`conv1`, `conv_dw_1_bn`, `conv_pw_13`, `conv_preds`).
 * @module
 */
import { nn } from '../../torch/index.js';
import type { ArchOptions } from './arch.js';
import { Conv2dSame } from './conv2d-same.js';
import { withPretrained } from './weights.js';
import { weightsFor } from './weights-zoo.js';

/** Options for {@link mobilenetV1}. */
export interface MobileNetV1Options extends ArchOptions {
  /** Width multiplier applied to every layer's channels: 0.25, 0.5, 0.75 or 1.0. Default 1.0. */
  alpha?: number;
  /** Dropout before the classifier while training, as Keras. Default 1e-3. */
  dropout?: number;
}

/** Strides of the 13 depthwise-separable blocks. */
const STRIDES = [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1];
/** Output channels of the 13 blocks at alpha 1. */
const WIDTHS = [64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024];
/** Keras's BatchNorm epsilon, which the converted running statistics assume. */
const BN_EPS = 1e-3;

/**
 * MobileNet v1 as one flat Sequential (Keras's layer order): `conv1, conv1_bn, conv1_relu`,
 * then for i = 1..13 `conv_dw_i, conv_dw_i_bn, conv_dw_i_relu, conv_pw_i, conv_pw_i_bn,
 * conv_pw_i_relu`, then `global_pool, dropout, conv_preds, flatten`. Input: RGB scaled to
 * [-1, 1] (mean 0.5, std 0.5), any size.
 */
export class MobileNetV1 extends nn.Sequential {
  /** Channels of the features before the classifier: `1024 * alpha`. */
  readonly numFeatures: number;

  /**
   * @param alpha width multiplier (default 1)
   * @param numClasses classifier outputs (default 1000)
   * @param dropout dropout before the classifier while training (default 1e-3, as Keras)
   */
  constructor(
    readonly alpha = 1,
    numClasses = 1000,
    dropout = 1e-3,
  ) {
    super();
    if (!(alpha > 0)) throw new RangeError(`MobileNetV1: alpha must be positive (0.25, 0.5, 0.75 or 1.0), not ${alpha}`);
    // Keras rounds channels down: int(filters * alpha).
    const ch = (c: number) => Math.floor(c * alpha);
    let inC = ch(32);
    this.registerModule('conv1', new Conv2dSame(3, inC, 3, { stride: 2, bias: false }));
    this.registerModule('conv1_bn', new nn.BatchNorm2d(inC, { eps: BN_EPS }));
    this.registerModule('conv1_relu', new nn.ReLU6());
    STRIDES.forEach((stride, j) => {
      const i = j + 1;
      const outC = ch(WIDTHS[j]!);
      this.registerModule(`conv_dw_${i}`, new Conv2dSame(inC, inC, 3, { stride, groups: inC, bias: false }));
      this.registerModule(`conv_dw_${i}_bn`, new nn.BatchNorm2d(inC, { eps: BN_EPS }));
      this.registerModule(`conv_dw_${i}_relu`, new nn.ReLU6());
      this.registerModule(`conv_pw_${i}`, new nn.Conv2d(inC, outC, 1, { bias: false }));
      this.registerModule(`conv_pw_${i}_bn`, new nn.BatchNorm2d(outC, { eps: BN_EPS }));
      this.registerModule(`conv_pw_${i}_relu`, new nn.ReLU6());
      inC = outC;
    });
    this.numFeatures = inC;
    this.registerModule('global_pool', new nn.AdaptiveAvgPool2d(1));
    this.registerModule('dropout', new nn.Dropout(dropout));
    this.registerModule('conv_preds', new nn.Conv2d(inC, numClasses, 1));
    this.registerModule('flatten', new nn.Flatten());
    // From scratch, start convolutions as torchvision's CNNs do (Keras's glorot-uniform suits ReLU6 nets less well).
    for (const m of this.modules()) {
      if (m instanceof nn.Conv2d && m !== this.childEntries().get('conv_preds')) {
        nn.init.kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
      }
    }
  }

  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** The registry name of a MobileNet v1 width, e.g. `'mobilenet_v1_0.25'`. */
export function mobilenetV1Name(alpha: number): string {
  return `mobilenet_v1_${Number.isInteger(alpha) ? alpha.toFixed(1) : String(alpha)}`;
}

/**
 * MobileNet v1 with width multiplier `alpha`. Pretrained weights (Keras ImageNet, converted)
 * exist for 0.25 and 0.75; they are not downloadable, so pass their file or folder as `weights`
 * (in a fastai-ts checkout: `../shared/models`) or place them in `$FASTAI_TS_HOME/models`.
 * @example
 * const model = mobilenetV1({ alpha: 0.25 });                                  // random init
 * const pre = mobilenetV1({ alpha: 0.75, weights: '../shared/models' }).eval(); // ImageNet classifier
 */
export function mobilenetV1(options: MobileNetV1Options = {}): MobileNetV1 {
  const alpha = options.alpha ?? 1;
  const name = mobilenetV1Name(alpha);
  return withPretrained(name, weightsFor(name), new MobileNetV1(alpha, options.numClasses, options.dropout), options);
}
