/**
 * ResNet-18/34/50 (He et al. 2015) with torchvision's module and state-dict names, so
 * torchvision's and timm's checkpoints load unchanged.
 * @module
 */
import { nn, type Tensor, torch } from '../../torch/index.js';
import type { ArchOptions } from './arch.js';
import { withPretrained } from './weights.js';
import { WEIGHTS } from './weights-zoo.js';

const conv3x3 = (inPlanes: number, outPlanes: number, stride = 1) =>
  new nn.Conv2d(inPlanes, outPlanes, 3, { stride, padding: 1, bias: false });
const conv1x1 = (inPlanes: number, outPlanes: number, stride = 1) => new nn.Conv2d(inPlanes, outPlanes, 1, { stride, bias: false });

/** A residual block of ResNet: the expansion of its output channels and its constructor. */
interface BlockType {
  readonly expansion: number;
  new (inPlanes: number, planes: number, stride: number, downsample: nn.Sequential | null): nn.Module;
}

/** Two 3x3 convolutions with a shortcut (ResNet-18/34). */
export class BasicBlock extends nn.Module {
  static readonly expansion = 1;
  readonly conv1: nn.Conv2d;
  readonly bn1: nn.BatchNorm2d;
  readonly relu: nn.ReLU;
  readonly conv2: nn.Conv2d;
  readonly bn2: nn.BatchNorm2d;
  readonly downsample: nn.Sequential | null;

  /**
   * @param inPlanes input channels
   * @param planes output channels
   * @param stride stride of the first convolution (default 1)
   * @param downsample the shortcut's 1x1 convolution and BatchNorm when the shape changes (default none)
   */
  constructor(inPlanes: number, planes: number, stride = 1, downsample: nn.Sequential | null = null) {
    super();
    this.conv1 = this.registerModule('conv1', conv3x3(inPlanes, planes, stride));
    this.bn1 = this.registerModule('bn1', new nn.BatchNorm2d(planes));
    this.relu = this.registerModule('relu', new nn.ReLU(true));
    this.conv2 = this.registerModule('conv2', conv3x3(planes, planes));
    this.bn2 = this.registerModule('bn2', new nn.BatchNorm2d(planes));
    this.downsample = downsample && this.registerModule('downsample', downsample);
  }

  forward(x: Tensor): Tensor {
    return torch.tidy(() => {
      // In-place ReLU and add on fresh intermediates, as torchvision (saves memory and time).
      const out = this.bn2.call(this.conv2.call(this.relu.call(this.bn1.call(this.conv1.call(x)))));
      out.add_(this.downsample ? this.downsample.call(x) : x);
      return this.relu.call(out);
    });
  }
}

/** 1x1 reduce, 3x3 (carrying the stride, torchvision's "v1.5"), 1x1 expand by 4, with a shortcut (ResNet-50). */
export class Bottleneck extends nn.Module {
  static readonly expansion = 4;
  readonly conv1: nn.Conv2d;
  readonly bn1: nn.BatchNorm2d;
  readonly conv2: nn.Conv2d;
  readonly bn2: nn.BatchNorm2d;
  readonly conv3: nn.Conv2d;
  readonly bn3: nn.BatchNorm2d;
  readonly relu: nn.ReLU;
  readonly downsample: nn.Sequential | null;

  /**
   * @param inPlanes input channels
   * @param planes inner channels (the output has 4x as many)
   * @param stride stride of the 3x3 convolution (default 1)
   * @param downsample the shortcut's 1x1 convolution and BatchNorm when the shape changes (default none)
   */
  constructor(inPlanes: number, planes: number, stride = 1, downsample: nn.Sequential | null = null) {
    super();
    const width = planes;
    this.conv1 = this.registerModule('conv1', conv1x1(inPlanes, width));
    this.bn1 = this.registerModule('bn1', new nn.BatchNorm2d(width));
    this.conv2 = this.registerModule('conv2', conv3x3(width, width, stride));
    this.bn2 = this.registerModule('bn2', new nn.BatchNorm2d(width));
    this.conv3 = this.registerModule('conv3', conv1x1(width, planes * Bottleneck.expansion));
    this.bn3 = this.registerModule('bn3', new nn.BatchNorm2d(planes * Bottleneck.expansion));
    this.relu = this.registerModule('relu', new nn.ReLU(true));
    this.downsample = downsample && this.registerModule('downsample', downsample);
  }

  forward(x: Tensor): Tensor {
    return torch.tidy(() => {
      let out = this.relu.call(this.bn1.call(this.conv1.call(x)));
      out = this.relu.call(this.bn2.call(this.conv2.call(out)));
      out = this.bn3.call(this.conv3.call(out));
      out.add_(this.downsample ? this.downsample.call(x) : x);
      return this.relu.call(out);
    });
  }
}

/**
 * torchvision's ResNet: `conv1, bn1, relu, maxpool, layer1..layer4, avgpool, fc`, in that
 * child order (fastai cuts the body at the last two). Initialised as torchvision: kaiming-normal
 * (fan_out) convolutions, BatchNorm weight 1 and bias 0; with the same seed the weights are
 * torchvision's own numbers.
 */
export class ResNet extends nn.Module {
  readonly conv1: nn.Conv2d;
  readonly bn1: nn.BatchNorm2d;
  readonly relu: nn.ReLU;
  readonly maxpool: nn.MaxPool2d;
  readonly layer1: nn.Sequential;
  readonly layer2: nn.Sequential;
  readonly layer3: nn.Sequential;
  readonly layer4: nn.Sequential;
  readonly avgpool: nn.AdaptiveAvgPool2d;
  readonly fc: nn.Linear;
  #inPlanes = 64;

  /**
   * @param block BasicBlock (ResNet-18/34) or Bottleneck (ResNet-50 and deeper)
   * @param layers blocks per stage, e.g. [3, 4, 6, 3] for ResNet-34
   * @param numClasses classifier outputs (default 1000)
   */
  constructor(block: BlockType, layers: [number, number, number, number], numClasses = 1000) {
    super();
    this.conv1 = this.registerModule('conv1', new nn.Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false }));
    this.bn1 = this.registerModule('bn1', new nn.BatchNorm2d(64));
    this.relu = this.registerModule('relu', new nn.ReLU(true));
    this.maxpool = this.registerModule('maxpool', new nn.MaxPool2d(3, { stride: 2, padding: 1 }));
    this.layer1 = this.registerModule('layer1', this.#makeLayer(block, 64, layers[0]));
    this.layer2 = this.registerModule('layer2', this.#makeLayer(block, 128, layers[1], 2));
    this.layer3 = this.registerModule('layer3', this.#makeLayer(block, 256, layers[2], 2));
    this.layer4 = this.registerModule('layer4', this.#makeLayer(block, 512, layers[3], 2));
    this.avgpool = this.registerModule('avgpool', new nn.AdaptiveAvgPool2d(1));
    this.fc = this.registerModule('fc', new nn.Linear(512 * block.expansion, numClasses));
    // torchvision re-initialises after building, in module order; doing the same draws keeps seeds comparable.
    for (const m of this.modules()) {
      if (m instanceof nn.Conv2d) nn.init.kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
    }
  }

  #makeLayer(block: BlockType, planes: number, blocks: number, stride = 1): nn.Sequential {
    let downsample: nn.Sequential | null = null;
    if (stride !== 1 || this.#inPlanes !== planes * block.expansion) {
      downsample = new nn.Sequential(conv1x1(this.#inPlanes, planes * block.expansion, stride), new nn.BatchNorm2d(planes * block.expansion));
    }
    const layers = [new block(this.#inPlanes, planes, stride, downsample)];
    this.#inPlanes = planes * block.expansion;
    for (let i = 1; i < blocks; i++) layers.push(new block(this.#inPlanes, planes, 1, null));
    return new nn.Sequential(...layers);
  }

  forward(x: Tensor): Tensor {
    return torch.tidy(() => {
      let out = this.maxpool.call(this.relu.call(this.bn1.call(this.conv1.call(x))));
      for (const layer of [this.layer1, this.layer2, this.layer3, this.layer4]) out = layer.call(out);
      return this.fc.call(this.avgpool.call(out).flatten(1));
    });
  }
}

/**
 * ResNet-18 (11,689,512 parameters with 1000 classes).
 * @example
 * const model = resnet18();                                   // random init
 * const tuned = resnet18({ weights: 'resnet18.safetensors' });  // a local file
 */
export function resnet18(options: ArchOptions = {}): ResNet {
  return withPretrained('resnet18', WEIGHTS.resnet18, new ResNet(BasicBlock, [2, 2, 2, 2], options.numClasses), options);
}

/**
 * ResNet-34 (21,797,672 parameters with 1000 classes), fastai's default for the pets example.
 * @example
 * await fetchWeights('resnet34');                    // once, into the cache
 * const model = resnet34({ pretrained: true });      // torchvision's ImageNet weights
 */
export function resnet34(options: ArchOptions = {}): ResNet {
  return withPretrained('resnet34', WEIGHTS.resnet34, new ResNet(BasicBlock, [3, 4, 6, 3], options.numClasses), options);
}

/** ResNet-50 (25,557,032 parameters with 1000 classes), with Bottleneck blocks. */
export function resnet50(options: ArchOptions = {}): ResNet {
  return withPretrained('resnet50', WEIGHTS.resnet50, new ResNet(Bottleneck, [3, 4, 6, 3], options.numClasses), options);
}
