/**
 * TerminateOnNaNCallback: stops training when the loss becomes infinite or NaN (fastai's).
 * @module
 */
import { Callback, CancelFit } from '../callback.js';

/** Cancels the fit at the first training batch whose loss is not finite. */
export class TerminateOnNaNCallback extends Callback {
  override order = -9;
  override runValid = false;

  override afterBatch(): void {
    const loss = this.learn.lossValue;
    if (this.learn.loss && !Number.isFinite(loss)) {
      if (this.learn.isMainProcess) process.stderr.write(`Epoch ${this.learn.epoch}, batch ${this.learn.iter}: the loss is ${loss}; stopping (try a lower learning rate: lrFind())\n`);
      throw new CancelFit('the loss is not finite');
    }
  }
}
