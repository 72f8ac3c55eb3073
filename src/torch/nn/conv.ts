import { empty } from '../creation.js';
import { type Conv2dOptions, conv2d } from '../functional/conv.js';
import type { Tensor } from '../tensor.js';
import { layerDefault_ } from './init.js';
import { Module } from './module.js';

type Pair = number | [number, number];
const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : v);

/** Options for {@link Conv2d}. */
export interface Conv2dArgs extends Conv2dOptions {
  /** Add a learnable bias. Default true. */
  bias?: boolean;
}

/**
 * 2-d convolution layer (`weight` (out, in/groups, kH, kW), optional `bias`), initialised as
 * PyTorch's: kaiming-uniform with a = sqrt(5), bias uniform in ±1/sqrt(fan_in).
 */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly options: Required<Pick<Conv2dArgs, 'stride' | 'padding' | 'dilation' | 'groups'>> & Pick<Conv2dArgs, 'pad'>;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: Pair,
    args: Conv2dArgs = {},
  ) {
    super();
    const groups = args.groups ?? 1;
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new Error(`Conv2d: inChannels (${inChannels}) and outChannels (${outChannels}) must be divisible by groups (${groups})`);
    }
    this.options = { stride: args.stride ?? 1, padding: args.padding ?? 0, dilation: args.dilation ?? 1, groups, pad: args.pad };
    const [kh, kw] = pair(kernelSize);
    this.weight = this.registerParameter('weight', empty([outChannels, inChannels / groups, kh, kw]));
    this.bias = this.registerParameter('bias', args.bias === false ? null : empty([outChannels]));
    this.resetParameters();
  }

  /** Re-draws the weights with PyTorch's default initialisation. */
  resetParameters(): void {
    layerDefault_(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.options);
  }

  override extraRepr(): string {
    const o = this.options;
    const parts = [`${this.inChannels}, ${this.outChannels}, kernel_size=(${pair(this.kernelSize).join(', ')})`, `stride=(${pair(o.stride).join(', ')})`];
    if (typeof o.padding === 'string') parts.push(`padding=${o.padding}`);
    else if (pair(o.padding).some((p) => p !== 0)) parts.push(`padding=(${pair(o.padding).join(', ')})`);
    if (o.pad) parts.push(`pad=(${o.pad.join(', ')})`);
    if (pair(o.dilation).some((d) => d !== 1)) parts.push(`dilation=(${pair(o.dilation).join(', ')})`);
    if (o.groups !== 1) parts.push(`groups=${o.groups}`);
    if (!this.bias) parts.push('bias=False');
    return parts.join(', ');
  }
}
