/**
 * fastai's AdaptiveConcatPool2d.
 * @module
 */
import { nn, type Tensor, torch } from '../../torch/index.js';

/**
 * Concatenates adaptive max pooling and adaptive average pooling along the channels (max
 * first, as fastai), so the head sees both the strongest and the mean activation: C channels
 * in, 2C out.
 */
export class AdaptiveConcatPool2d extends nn.Module {
  readonly ap: nn.AdaptiveAvgPool2d;
  readonly mp: nn.AdaptiveMaxPool2d;

  /** @param size output size of each pooling (default 1: global pooling) */
  constructor(readonly size: number | [number, number] = 1) {
    super();
    this.ap = this.registerModule('ap', new nn.AdaptiveAvgPool2d(size));
    this.mp = this.registerModule('mp', new nn.AdaptiveMaxPool2d(size));
  }

  forward(x: Tensor): Tensor {
    return torch.tidy(() => torch.cat([this.mp.call(x), this.ap.call(x)], 1));
  }
}
