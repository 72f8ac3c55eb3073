/**
 * Predictions of a Learner over a loader (fastai's `get_preds`) and for one item (`predict`).
 * @module
 */
import type { DataLoader } from '../data/index.js';
import { type Tensor, torch } from '../torch/index.js';
import { wholeLoader } from './callbacks/distributed-trainer.js';
import { MixedPrecision } from './callbacks/mixed-precision.js';
import type { Learner } from './learner.js';

/** Options for `learn.getPreds`. */
export interface GetPredsOptions {
  /** The loader to predict. Default: the validation loader (`dsIdx` 1). */
  dl?: DataLoader<Tensor[]>;
  /** 0 for the training loader, 1 for validation. Default 1. */
  dsIdx?: 0 | 1;
  /** Also return the inputs (the batches' x, on the CPU). Default false. */
  withInput?: boolean;
  /** Also return the decoded predictions (class indices for a category). Default false. */
  withDecoded?: boolean;
  /** Also return the loss of every item. Default false. */
  withLoss?: boolean;
  /** Applied to the model's outputs. Default: the loss's activation (softmax for cross-entropy); null for raw outputs. */
  act?: ((x: Tensor) => Tensor) | null;
}

/** What `learn.getPreds` returns: CPU tensors the caller owns (dispose them). */
export interface Preds {
  /** One row per item: probabilities by default (rows sum to 1 for a category). */
  preds: Tensor;
  /** The targets, or null when the loader has none (a test loader). */
  targs: Tensor | null;
  decoded?: Tensor;
  losses?: Tensor;
  inputs?: Tensor;
}

/** Runs the model over `dl` in evaluation mode without gradients, gathering what was asked for on the CPU. */
export async function getPreds(learn: Learner, options: GetPredsOptions = {}): Promise<Preds> {
  // Inside a distributed fit the loaders are this rank's shares: predict every item anyway.
  const dl = wholeLoader(options.dl ?? ((options.dsIdx ?? 1) === 0 ? learn.dls.train : learn.dls.valid) as DataLoader<Tensor[]>);
  const lossFunc = learn.lossFunc;
  const act = options.act === undefined ? (lossFunc.activation?.bind(lossFunc) ?? ((x: Tensor) => x)) : (options.act ?? ((x: Tensor) => x));
  const parts: Record<'preds' | 'targs' | 'decoded' | 'losses' | 'inputs', Tensor[]> = { preds: [], targs: [], decoded: [], losses: [], inputs: [] };
  const modes = learn.model.modules().map((m) => [m, m.training] as const);
  learn.model.eval();
  // Predict in the precision the model trains in (fastai's get_preds runs the MixedPrecision callback too).
  const ac = learn.autocast ?? learn.cb(MixedPrecision)?.autocastOptions() ?? null;
  try {
    for await (const batch of dl.iterate(dl.epoch)) {
      try {
        const nInp = batch.length > 1 ? batch.length - 1 : 1;
        const [x] = batch;
        const y = batch.length > nInp ? batch[nInp]! : null;
        const out = torch.tidy(() => torch.noGrad(() => {
          const run = () => learn.model.call(...(batch.slice(0, nInp) as [Tensor])) as Tensor;
          const raw = (ac ? torch.autocast(ac, run) : run()).float();
          const got: Partial<Record<keyof typeof parts, Tensor>> = {};
          if (options.withLoss && y) got.losses = lossFunc.call(raw, y, { reduction: 'none' }).float().cpu();
          const probs = act(raw);
          got.preds = probs.cpu();
          if (options.withDecoded) got.decoded = (lossFunc.decodes ? lossFunc.decodes(probs) : probs).cpu();
          if (y) got.targs = y.cpu();
          if (options.withInput && x) got.inputs = x.cpu();
          return got;
        }));
        for (const [k, t] of Object.entries(out) as [keyof typeof parts, Tensor][]) parts[k].push(torch.keep(t));
      } finally {
        for (const t of batch) t.dispose();
      }
    }
  } catch (e) {
    torch.dispose(parts);
    throw e;
  } finally {
    for (const [m, training] of modes) m.training = training;
  }
  const cat = (ts: Tensor[]): Tensor | undefined => {
    if (!ts.length) return undefined;
    const t = torch.cat(ts);
    for (const p of ts) p.dispose();
    return t;
  };
  const preds = cat(parts.preds);
  if (!preds) throw new Error(`getPreds: the loader has no batches (${dl.n} items)`);
  const res: Preds = { preds, targs: cat(parts.targs) ?? null };
  const decoded = cat(parts.decoded);
  const losses = cat(parts.losses);
  const inputs = cat(parts.inputs);
  if (decoded) res.decoded = decoded;
  if (losses) res.losses = losses;
  if (inputs) res.inputs = inputs;
  return res;
}

/** What `learn.predict` returns for one item. */
export interface Prediction {
  /** The predicted class's name. */
  label: string;
  /** Its index in the vocab. */
  index: number;
  /** The probability of every class, in vocab order. */
  probs: number[];
}

/** Predicts one item (a file path or image bytes) with the validation transforms. */
export async function predict(learn: Learner, item: unknown): Promise<Prediction> {
  const dl = await learn.dls.testDl([item]);
  const { preds, decoded, targs } = await getPreds(learn, { dl, withDecoded: true });
  try {
    const probs = Array.from(preds.toTypedArray() as Float32Array);
    const index = Number(torch.tidy(() => decoded!.flatten().to('int64').item()));
    return { label: learn.dls.decodeTarget(index), index, probs };
  } finally {
    preds.dispose();
    decoded?.dispose();
    targs?.dispose();
  }
}
