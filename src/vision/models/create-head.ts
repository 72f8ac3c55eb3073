/**
 * fastai's `create_head`: the classifier put on a pretrained body.
 * @module
 */
import { nn, torch } from '../../torch/index.js';
import { AdaptiveConcatPool2d } from './adaptive-concat-pool.js';

/** Options for {@link createHead}, with fastai's defaults. */
export interface HeadOptions {
  /** Sizes of the hidden linear layers. Default `[512]`. */
  linFtrs?: number[];
  /**
   * Dropout probabilities, one per linear layer, or one number p: `p/2` before each hidden
   * layer and `p` before the last. Default 0.5.
   */
  ps?: number | number[];
  /** Pool the body's feature map (set false when the body already pools). Default true. */
  pool?: boolean;
  /** Pool with {@link AdaptiveConcatPool2d} (max and average, 2*nf features) instead of average only. Default true. */
  concatPool?: boolean;
  /** BatchNorm before the first linear layer. Default true. */
  firstBn?: boolean;
  /** A plain BatchNorm1d (momentum 0.01) after the last linear layer. Default false. */
  bnFinal?: boolean;
  /** A module applied to the output (e.g. a sigmoid for multi-label). Default: none (logits). */
  lastActivation?: nn.Module;
}

/** fastai's BatchNorm for heads: weight 1, bias 1e-3 (a small positive bias keeps ReLUs alive at first). */
function headBatchNorm(nf: number, momentum = 0.1): nn.BatchNorm1d {
  const bn = new nn.BatchNorm1d(nf, { momentum });
  torch.noGrad(() => {
    bn.weight!.fill_(1);
    bn.bias!.fill_(1e-3);
  });
  return bn;
}

/**
 * fastai's head for `nf` body features and `nOut` classes. With the defaults:
 * `AdaptiveConcatPool2d -> Flatten -> BatchNorm1d(2nf) -> Dropout(0.25) -> Linear(2nf, 512, no bias)
 *  -> ReLU -> BatchNorm1d(512) -> Dropout(0.5) -> Linear(512, nOut, no bias)`, as one flat Sequential.
 * Linear layers follow PyTorch's default init here; {@link createVisionModel} re-initialises them
 * (kaiming normal) as fastai does.
 * @example
 * const head = createHead(512, 37); // resnet34 features -> 37 pet breeds: 546,304 parameters
 */
export function createHead(nf: number, nOut: number, options: HeadOptions = {}): nn.Sequential {
  const { pool = true, concatPool = true, firstBn = true, bnFinal = false } = options;
  if (pool && concatPool) nf *= 2;
  const ftrs = [nf, ...(options.linFtrs ?? [512]), nOut];
  const nLin = ftrs.length - 1;
  let ps = typeof options.ps === 'number' || options.ps === undefined ? [options.ps ?? 0.5] : [...options.ps];
  if (ps.length === 1) ps = [...Array<number>(nLin - 1).fill(ps[0]! / 2), ps[0]!];
  if (ps.length !== nLin) throw new RangeError(`createHead: ps has ${ps.length} values for ${nLin} linear layers; give one number or ${nLin}`);
  const layers: nn.Module[] = [];
  if (pool) layers.push(concatPool ? new AdaptiveConcatPool2d() : new nn.AdaptiveAvgPool2d(1), new nn.Flatten());
  for (let i = 0; i < nLin; i++) {
    // fastai's LinBnDrop: [BatchNorm] [Dropout] Linear (no bias after a BatchNorm) [ReLU]
    const bn = i === 0 ? firstBn : true;
    if (bn) layers.push(headBatchNorm(ftrs[i]!));
    if (ps[i] !== 0) layers.push(new nn.Dropout(ps[i]));
    layers.push(new nn.Linear(ftrs[i]!, ftrs[i + 1]!, { bias: !bn }));
    if (i < nLin - 1) layers.push(new nn.ReLU(true));
  }
  // fastai's final BatchNorm is a plain one (bias 0), unlike the LinBnDrop ones.
  if (bnFinal) layers.push(new nn.BatchNorm1d(nOut, { momentum: 0.01 }));
  if (options.lastActivation) layers.push(options.lastActivation);
  return new nn.Sequential(...(layers as nn.Layer[]));
}
