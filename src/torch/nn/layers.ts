/**
 * Parameter-free layers: activations, dropout, pooling, flatten, identity.
 * @module
 */
import { dropout, relu, relu6 } from '../functional/activation.js';
import { adaptiveAvgPool2d, adaptiveMaxPool2d, avgPool2d, maxPool2d, type Pool2dOptions } from '../functional/pooling.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

type Pair = number | [number, number];
const show = (v: Pair) => (typeof v === 'number' ? String(v) : `(${v.join(', ')})`);

/** `max(x, 0)`; `inplace` overwrites the input (saves memory, as torchvision's ResNets do). */
export class ReLU extends Module {
  constructor(readonly inplace = false) {
    super();
  }

  forward(x: Tensor): Tensor {
    return this.inplace ? x.relu_() : relu(x);
  }

  override extraRepr(): string {
    return this.inplace ? 'inplace=True' : '';
  }
}

/** `min(max(x, 0), 6)`. */
export class ReLU6 extends Module {
  forward(x: Tensor): Tensor {
    return relu6(x);
  }
}

/** Zeroes elements with probability `p` (default 0.5) while training; identity in eval mode. */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (p < 0 || p > 1) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/**
 * Max pooling over `kernelSize` windows (see F.maxPool2d). Defaults: stride = kernelSize,
 * padding 0, dilation 1, ceilMode false.
 */
export class MaxPool2d extends Module {
  constructor(
    readonly kernelSize: Pair,
    readonly options: Pool2dOptions & { dilation?: Pair } = {},
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    const o = this.options;
    return `kernel_size=${show(this.kernelSize)}, stride=${show(o.stride ?? this.kernelSize)}, padding=${show(o.padding ?? 0)}, dilation=${show(o.dilation ?? 1)}, ceil_mode=${o.ceilMode ? 'True' : 'False'}`;
  }
}

/**
 * Average pooling over `kernelSize` windows (see F.avgPool2d). Defaults: stride = kernelSize,
 * padding 0, ceilMode false, countIncludePad true.
 */
export class AvgPool2d extends Module {
  constructor(
    readonly kernelSize: Pair,
    readonly options: Pool2dOptions & { countIncludePad?: boolean } = {},
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    return `kernel_size=${show(this.kernelSize)}, stride=${show(this.options.stride ?? this.kernelSize)}, padding=${show(this.options.padding ?? 0)}`;
  }
}

/** Average pooling to a fixed `outputSize` whatever the input size (1 gives global average pooling). */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: Pair) {
    super();
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `output_size=${show(this.outputSize)}`;
  }
}

/** Max pooling to a fixed `outputSize` whatever the input size. */
export class AdaptiveMaxPool2d extends Module {
  constructor(readonly outputSize: Pair) {
    super();
  }

  forward(x: Tensor): Tensor {
    return adaptiveMaxPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `output_size=${show(this.outputSize)}`;
  }
}

/** Flattens dimensions `startDim..endDim` (default 1..-1: everything but the batch). */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/** Returns its input unchanged (the same tensor object). */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}
