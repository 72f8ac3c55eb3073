/**
 * GradientAccumulation: steps the optimizer only every `nAcc` items, so a small batch that fits
 * in memory trains like a large one (fastai's).
 * @module
 */
import { Callback, CancelBatch } from '../callback.js';

function findBs(learn: { yb: readonly { shape: readonly number[] }[]; xb: readonly { shape: readonly number[] }[] }): number {
  const t = learn.yb[0] ?? learn.xb[0];
  return t?.shape[0] ?? 1;
}

/**
 * Accumulates gradients over batches until `nAcc` items were seen, then steps: with bs 16 and
 * `nAcc` 64 the optimizer steps every 4 batches, on the mean gradient of 64 items. The loss
 * the Recorder shows stays the per-batch loss.
 */
export class GradientAccumulation extends Callback {
  override order = 6;
  override runValid = false;
  #count = 0;

  /** @param nAcc items per optimizer step. Default 32. */
  constructor(readonly nAcc = 32) {
    super();
    if (!Number.isInteger(nAcc) || nAcc < 1) throw new RangeError(`GradientAccumulation: nAcc must be a positive integer (items per step), got ${nAcc}`);
  }

  override beforeFit(): void {
    this.#count = 0;
  }

  override afterLoss(): void {
    const learn = this.learn;
    if (!learn.training || !learn.lossGrad) return;
    const old = learn.lossGrad;
    learn.lossGrad = old.div(this.nAcc / findBs(learn));
    old.dispose();
  }

  override beforeStep(): void {
    this.#count += findBs(this.learn);
    if (this.#count < this.nAcc) throw new CancelBatch(); // skip the step and the zeroing of the gradients
    this.#count = 0;
  }
}
