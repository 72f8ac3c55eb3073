import { aten } from '../aten.js';
import { call, type Tensor } from '../tensor.js';

const CONV2D = aten('conv2d');
const CONV2D_PAD = aten('conv2d', 'padding');
const LINEAR = aten('linear');
const PAD = aten('pad');

/** Options for {@link conv2d}. */
export interface Conv2dOptions {
  /** Default 1. */
  stride?: number | [number, number];
  /**
   * Zero padding on both sides of each spatial dimension, or `'same'` / `'valid'`. Default 0.
   * `'same'` requires stride 1 (as PyTorch); for TensorFlow-style "same" at stride 2 use `pad`.
   */
  padding?: number | [number, number] | 'same' | 'valid';
  /** Explicit, possibly asymmetric, zero padding `[left, right, top, bottom]` applied before the convolution. */
  pad?: [number, number, number, number];
  /** Default 1. */
  dilation?: number | [number, number];
  /** Default 1. `groups === inChannels` makes a depthwise convolution. */
  groups?: number;
}

/** 2-d convolution over NCHW input with an (outC, inC/groups, kH, kW) weight. */
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  const { stride = 1, padding = 0, dilation = 1, groups = 1 } = options;
  let x = input;
  if (options.pad && options.pad.some((p) => p !== 0)) x = call(PAD, input._h, options.pad, 'constant', null);
  try {
    if (typeof padding === 'string') return call(CONV2D_PAD, x._h, weight._h, bias?._h ?? null, stride, padding, dilation, groups);
    return call(CONV2D, x._h, weight._h, bias?._h ?? null, stride, padding, dilation, groups);
  } finally {
    if (x !== input) x.dispose();
  }
}

/** `input @ weight.T + bias`. */
export function linear(input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  return call(LINEAR, input._h, weight._h, bias?._h ?? null);
}

/**
 * Pads the last dimensions: `pad` lists (before, after) pairs starting from the last dimension,
 * e.g. `[left, right, top, bottom]` for images. Modes: constant (with `value`), reflect, replicate.
 */
export function pad(input: Tensor, pad: number[], mode: 'constant' | 'reflect' | 'replicate' = 'constant', value = 0): Tensor {
  return call(PAD, input._h, pad, mode, mode === 'constant' ? value : null);
}
