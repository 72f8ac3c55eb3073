import { aten } from '../aten.js';
import { call, type Tensor } from '../tensor.js';

const OPS = {
  relu: aten('relu'), clamp: aten('clamp'), leakyRelu: aten('leaky_relu'), gelu: aten('gelu'),
  silu: aten('silu'), dropout: aten('dropout'), softmax: aten('softmax', 'int'), logSoftmax: aten('log_softmax', 'int'),
  sigmoid: aten('sigmoid'),
};

/** `max(x, 0)`, elementwise. */
export function relu(input: Tensor): Tensor {
  return call(OPS.relu, input._h);
}

/**
 * `min(max(x, 0), 6)`, MobileNet's activation. Computed with clamp rather than PyTorch's
 * hardtanh: libtorch 1.13's hardtanh has no bfloat16 backward on the CPU, so mixed-precision
 * training would fail. Same values; the gradient differs only at exactly 0 and 6.
 */
export function relu6(input: Tensor): Tensor {
  return call(OPS.clamp, input._h, 0, 6);
}

/** Default slope 0.01. */
export function leakyRelu(input: Tensor, negativeSlope = 0.01): Tensor {
  return call(OPS.leakyRelu, input._h, negativeSlope);
}

/** Exact GELU by default; `'tanh'` for the approximation. */
export function gelu(input: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  return call(OPS.gelu, input._h, approximate);
}

/** `x * sigmoid(x)` (also called swish), elementwise. */
export function silu(input: Tensor): Tensor {
  return call(OPS.silu, input._h);
}

/** `1 / (1 + exp(-x))`, elementwise. */
export function sigmoid(input: Tensor): Tensor {
  return call(OPS.sigmoid, input._h);
}

/** Zeroes elements with probability `p` (default 0.5) and scales the rest by 1/(1-p), when training. */
export function dropout(input: Tensor, p = 0.5, training = true): Tensor {
  if (p < 0 || p > 1) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
  return call(OPS.dropout, input._h, p, training);
}

/** `exp(x) / sum(exp(x))` along `dim`, computed stably (subtracting the maximum first). */
export function softmax(input: Tensor, dim: number): Tensor {
  return call(OPS.softmax, input._h, dim, null);
}

/** `log(softmax(x))` along `dim`, computed in one stable step (use with nllLoss). */
export function logSoftmax(input: Tensor, dim: number): Tensor {
  return call(OPS.logSoftmax, input._h, dim, null);
}
