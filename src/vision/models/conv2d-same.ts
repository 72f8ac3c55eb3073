/**
 * Convolution with TensorFlow's "same" padding, as the Keras MobileNet weights were trained.
 * @module
 */
import { F, nn, type Tensor } from '../../torch/index.js';

/**
 * The zero padding TensorFlow's "same" adds along one dimension of size `size`:
 * `total = max((ceil(size/stride) - 1) * stride + (kernel-1)*dilation + 1 - size, 0)`, split
 * `total//2` before and the rest after. At stride 2 on an even size that is 0 before and 1 after,
 * which no symmetric padding reproduces.
 */
export function tfSamePadding(size: number, kernel: number, stride: number, dilation = 1): [before: number, after: number] {
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + (kernel - 1) * dilation + 1 - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);

/**
 * `nn.Conv2d` whose padding is TensorFlow's "same", computed from each input's size (so odd
 * and even sizes both match TensorFlow). Same parameters and state-dict keys as `nn.Conv2d`.
 */
export class Conv2dSame extends nn.Conv2d {
  constructor(inChannels: number, outChannels: number, kernelSize: number | [number, number], args: Omit<nn.Conv2dArgs, 'padding' | 'pad'> = {}) {
    super(inChannels, outChannels, kernelSize, args);
  }

  override forward(x: Tensor): Tensor {
    const [kh, kw] = pair(this.kernelSize);
    const [sh, sw] = pair(this.options.stride);
    const [dh, dw] = pair(this.options.dilation);
    const [h, w] = x.shape.slice(-2) as [number, number];
    const [top, bottom] = tfSamePadding(h, kh, sh, dh);
    const [left, right] = tfSamePadding(w, kw, sw, dw);
    const { stride, dilation, groups } = this.options;
    // Symmetric cases go to the convolution's own padding (no padded copy of the input).
    if (top === bottom && left === right) return F.conv2d(x, this.weight, this.bias, { stride, dilation, groups, padding: [top, left] });
    return F.conv2d(x, this.weight, this.bias, { stride, dilation, groups, pad: [left, right, top, bottom] });
  }

  override extraRepr(): string {
    return `${super.extraRepr()}, padding=same(tf)`;
  }
}
