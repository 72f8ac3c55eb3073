/**
 * ChannelsLast: input batches in channels-last memory format, to match a model converted by
 * `learn.toChannelsLast()` (fastai's `ChannelsLast`).
 * @module
 */
import { Callback } from '../callback.js';

/** Converts 4-d input batches to channels-last before the forward pass. */
export class ChannelsLast extends Callback {
  override order = -5;

  override beforeBatch(): void {
    const learn = this.learn;
    learn.xb = learn.xb.map((x) => {
      if (x.ndim !== 4 || x.isChannelsLast()) return x;
      const c = x.contiguous('channelsLast');
      x.dispose();
      return c;
    });
  }
}
