import { aten } from '../aten.js';
import { call, callMany, type Tensor } from '../tensor.js';

const OPS = {
  maxPool2d: aten('max_pool2d'), avgPool2d: aten('avg_pool2d'),
  adaptiveAvgPool2d: aten('adaptive_avg_pool2d'), adaptiveMaxPool2d: aten('adaptive_max_pool2d'),
};

type Pair = number | [number, number];

/** Options for max and average pooling. */
export interface Pool2dOptions {
  /** Default: the kernel size. */
  stride?: Pair;
  /** Default 0. */
  padding?: Pair;
  /** Round the output size up. Default false. */
  ceilMode?: boolean;
}

/** The maximum over each `kernelSize` window of an (N, C, H, W) input; `dilation` default 1. */
export function maxPool2d(input: Tensor, kernelSize: Pair, options: Pool2dOptions & { dilation?: Pair } = {}): Tensor {
  return call(OPS.maxPool2d, input._h, kernelSize, options.stride ?? kernelSize, options.padding ?? 0, options.dilation ?? 1, options.ceilMode ?? false);
}

/** `countIncludePad` (default true) counts padded zeros in each average, as PyTorch. */
export function avgPool2d(input: Tensor, kernelSize: Pair, options: Pool2dOptions & { countIncludePad?: boolean } = {}): Tensor {
  return call(OPS.avgPool2d, input._h, kernelSize, options.stride ?? kernelSize, options.padding ?? 0, options.ceilMode ?? false, options.countIncludePad ?? true, null);
}

/** Averages into an output of `outputSize` regardless of the input size (1 gives global pooling). */
export function adaptiveAvgPool2d(input: Tensor, outputSize: Pair): Tensor {
  return call(OPS.adaptiveAvgPool2d, input._h, outputSize);
}

/** The maximum into an output of `outputSize` regardless of the input size (the indices are dropped). */
export function adaptiveMaxPool2d(input: Tensor, outputSize: Pair): Tensor {
  const [out, indices] = callMany(OPS.adaptiveMaxPool2d, input._h, outputSize) as [Tensor, Tensor];
  indices.dispose();
  return out;
}
