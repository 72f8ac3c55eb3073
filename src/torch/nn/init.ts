/**
 * Weight initialisation, as `torch.nn.init` (same formulas, same draws from the global
 * generator, so a seeded model starts from PyTorch's numbers).
 * @module
 */
import { noGrad } from '../autograd.js';
import type { Tensor } from '../tensor.js';

/** The nonlinearities {@link calculateGain} knows, as PyTorch names them. */
export type Nonlinearity = 'linear' | 'conv2d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

/** fan_in and fan_out of a weight (out, in, *kernel). */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  const s = t.shape;
  if (s.length < 2) throw new Error('Fan in and fan out can not be computed for tensor with fewer than 2 dimensions');
  const receptive = s.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: s[1]! * receptive, fanOut: s[0]! * receptive };
}

/** The recommended gain for a nonlinearity (`param` is leaky_relu's negative slope, default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv2d': case 'sigmoid': return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu': return 3 / 4;
  }
}

/** Options for the Kaiming initialisers. */
export interface KaimingOptions {
  /** Negative slope of the following leaky ReLU. Default 0. */
  a?: number;
  /** Default `'fan_in'`. */
  mode?: 'fan_in' | 'fan_out';
  /** Default `'leaky_relu'`. */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, o: KaimingOptions): number {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const fan = (o.mode ?? 'fan_in') === 'fan_in' ? fanIn : fanOut;
  return calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0) / Math.sqrt(fan);
}

/** He uniform: U(-b, b) with b = gain * sqrt(3 / fan). */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, options);
  return noGrad(() => t.uniform_(-bound, bound));
}

/** He normal: N(0, (gain / sqrt(fan))^2). */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  const std = kaimingStd(t, options);
  return noGrad(() => t.normal_(0, std));
}

/** Glorot uniform: U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)). */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return noGrad(() => t.uniform_(-bound, bound));
}

/** Fills `t` in place with U(a, b) (default U(0, 1)) without recording autograd; returns `t`. */
export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  return noGrad(() => t.uniform_(a, b));
}

/** Fills `t` in place with N(mean, std^2) (default N(0, 1)) without recording autograd; returns `t`. */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  return noGrad(() => t.normal_(mean, std));
}

/** Fills `t` in place with `value` without recording autograd; returns `t`. */
export function constant_(t: Tensor, value: number): Tensor {
  return noGrad(() => t.fill_(value));
}

/** Fills `t` in place with zeros; returns `t`. */
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

/** Fills `t` in place with ones; returns `t`. */
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/**
 * PyTorch's default initialisation of Linear and Conv layers: kaiming-uniform weights with
 * a = sqrt(5) (so U(-1/sqrt(fan_in), 1/sqrt(fan_in))) and the bias uniform in the same bound.
 */
export function layerDefault_(weight: Tensor, bias: Tensor | null): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias) {
    const { fanIn } = calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound);
  }
}
