/**
 * One seed for a whole run.
 * @module
 */
import { torch } from '../torch/index.js';

/**
 * Seeds everything random in a run (fastai's `set_seed`): the engine's generators (weight
 * initialisation, dropout, `RandomSplitter` without a seed), and through them the seeds that
 * DataLoaders draw when made without one (their shuffles and augmentations). Call it before
 * building the DataLoaders and the model: two runs with the same seed then give the same
 * losses on the CPU.
 */
export function setSeed(seed: number): void {
  torch.manualSeed(seed);
}
