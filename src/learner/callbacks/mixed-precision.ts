/**
 * Mixed precision (fastai's `MixedPrecision`): autocast for the forward pass and the loss,
 * predictions back to float32 for the loss, and for float16 a dynamic loss scaler that skips
 * steps whose gradients overflowed. Master weights stay float32.
 * @module
 */
import { type AutocastOptions, type Tensor, torch } from '../../torch/index.js';
import { Callback, CancelStep } from '../callback.js';

/** Options for {@link GradScaler}, PyTorch's defaults. */
export interface GradScalerOptions {
  /** Default 2^16. */
  initScale?: number;
  /** Default 2. */
  growthFactor?: number;
  /** Default 0.5. */
  backoffFactor?: number;
  /** Steps without overflow before the scale grows. Default 2000. */
  growthInterval?: number;
}

/**
 * A dynamic loss scaler (PyTorch's `GradScaler`): the loss is multiplied by `scale` before
 * backward so small float16 gradients do not flush to zero; before the step the gradients are
 * divided back, and a step with an infinite or NaN gradient is skipped and the scale lowered.
 */
export class GradScaler {
  scale: number;
  readonly growthFactor: number;
  readonly backoffFactor: number;
  readonly growthInterval: number;
  #goodSteps = 0;
  /** Steps skipped because of overflow. */
  skipped = 0;

  constructor(options: GradScalerOptions = {}) {
    this.scale = options.initScale ?? 2 ** 16;
    this.growthFactor = options.growthFactor ?? 2;
    this.backoffFactor = options.backoffFactor ?? 0.5;
    this.growthInterval = options.growthInterval ?? 2000;
  }

  /** The loss times the scale (a new tensor). */
  scaleLoss(loss: Tensor): Tensor {
    return loss.mul(this.scale);
  }

  /**
   * Divides the gradients of `params` by the scale and updates it. Returns false (and lowers
   * the scale) when a gradient is infinite or NaN: the caller skips the step.
   */
  unscaleAndUpdate(params: readonly Tensor[]): boolean {
    const finite = torch.tidy(() => {
      const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
      if (!grads.length) return true;
      const ok = torch.stack(grads.map((g) => g.isfinite().all())).all().item() as unknown as boolean;
      if (ok) torch.foreach.mul_(grads, 1 / this.scale);
      return Boolean(ok);
    });
    if (!finite) {
      this.scale *= this.backoffFactor;
      this.#goodSteps = 0;
      this.skipped++;
      return false;
    }
    if (++this.#goodSteps >= this.growthInterval) {
      this.scale *= this.growthFactor;
      this.#goodSteps = 0;
    }
    return true;
  }
}

/** Options for {@link MixedPrecision}. */
export interface MixedPrecisionOptions extends GradScalerOptions {
  /** Default 'bfloat16' on the CPU, 'float16' on CUDA. */
  dtype?: 'bfloat16' | 'float16';
  /** Use a loss scaler. Default: for float16 only (bfloat16 has float32's range). */
  scaler?: boolean;
}

/** Runs the forward pass and loss under autocast; see `learn.toBf16()` / `learn.toFp16()`. */
export class MixedPrecision extends Callback {
  override order = 10;
  readonly dtype: 'bfloat16' | 'float16' | undefined;
  readonly #options: MixedPrecisionOptions;
  /** The loss scaler of the current fit (float16), else null. */
  scaler: GradScaler | null = null;

  constructor(options: MixedPrecisionOptions = {}) {
    super();
    this.dtype = options.dtype;
    this.#options = options;
  }

  /** The autocast this callback runs the forward pass under, for the Learner's device. */
  autocastOptions(): AutocastOptions & { dtype: 'bfloat16' | 'float16' } {
    const deviceType = this.learn.dls.device.startsWith('cuda') ? 'cuda' : 'cpu';
    return { deviceType, dtype: this.dtype ?? (deviceType === 'cpu' ? 'bfloat16' : 'float16') };
  }

  override beforeFit(): void {
    const learn = this.learn;
    const { dtype } = (learn.autocast = this.autocastOptions());
    const useScaler = this.#options.scaler ?? dtype === 'float16';
    this.scaler = useScaler ? (this.scaler ?? new GradScaler(this.#options)) : null;
  }

  override afterPred(): void {
    const learn = this.learn;
    const pred = learn.pred;
    if (pred && (pred.dtype === 'bfloat16' || pred.dtype === 'float16')) {
      learn.pred = pred.float();
      pred.dispose();
    }
  }

  override beforeBackward(): void {
    const learn = this.learn;
    if (!this.scaler || !learn.lossGrad) return;
    const old = learn.lossGrad;
    learn.lossGrad = this.scaler.scaleLoss(old);
    old.dispose();
  }

  override beforeStep(): void {
    const learn = this.learn;
    if (!this.scaler) return;
    if (!this.scaler.unscaleAndUpdate(learn.opt?.paramGroups.flat() ?? learn.model.parameters())) throw new CancelStep('gradient overflow');
  }

  override afterFit(): void {
    this.learn.autocast = null;
  }
}
