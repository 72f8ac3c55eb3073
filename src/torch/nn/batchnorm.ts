import { noGrad } from '../autograd.js';
import { ones, tensor, zeros } from '../creation.js';
import { batchNorm } from '../functional/normalization.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** Options for the BatchNorm layers. */
export interface BatchNormArgs {
  /** Default 1e-5 (Keras-trained weights use 1e-3). */
  eps?: number;
  /** Running-statistics update rate; null for a cumulative average. Default 0.1. */
  momentum?: number | null;
  /** Learnable scale and shift. Default true. */
  affine?: boolean;
  /** Keep running statistics for evaluation. Default true. */
  trackRunningStats?: boolean;
}

abstract class BatchNormBase extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;
  protected abstract readonly dims: number[];

  constructor(
    readonly numFeatures: number,
    args: BatchNormArgs = {},
  ) {
    super();
    this.eps = args.eps ?? 1e-5;
    this.momentum = args.momentum === undefined ? 0.1 : args.momentum;
    const affine = args.affine ?? true;
    const track = args.trackRunningStats ?? true;
    this.weight = this.registerParameter('weight', affine ? ones([numFeatures]) : null);
    this.bias = this.registerParameter('bias', affine ? zeros([numFeatures]) : null);
    this.runningMean = this.registerBuffer('running_mean', track ? zeros([numFeatures]) : null);
    this.runningVar = this.registerBuffer('running_var', track ? ones([numFeatures]) : null);
    this.numBatchesTracked = this.registerBuffer('num_batches_tracked', track ? tensor(0, [], { dtype: 'int64' }) : null);
  }

  forward(x: Tensor): Tensor {
    const nd = x.ndim;
    if (!this.dims.includes(nd)) {
      throw new Error(`${this.constructor.name}: expected ${this.dims.map((d) => `${d}D`).join(' or ')} input (got ${nd}D input)`);
    }
    let momentum = this.momentum ?? 0;
    if (this.training && this.numBatchesTracked) {
      noGrad(() => this.numBatchesTracked!.add_(1));
      // A null momentum means a cumulative moving average, which needs the count.
      if (this.momentum === null) momentum = 1 / this.numBatchesTracked.item();
    }
    const useBatchStats = this.training || !this.runningMean;
    return batchNorm(x, useBatchStats && !this.training ? null : this.runningMean, useBatchStats && !this.training ? null : this.runningVar, {
      weight: this.weight, bias: this.bias, training: useBatchStats, momentum, eps: this.eps,
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.weight ? 'True' : 'False'}, track_running_stats=${this.runningMean ? 'True' : 'False'}`;
  }
}

/** Batch normalisation of (N, C) or (N, C, L) input. */
export class BatchNorm1d extends BatchNormBase {
  protected readonly dims = [2, 3];
}

/** Batch normalisation of (N, C, H, W) input. */
export class BatchNorm2d extends BatchNormBase {
  protected readonly dims = [4];
}
