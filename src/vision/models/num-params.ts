/**
 * Counting parameters.
 * @module
 */
import type { nn } from '../../torch/index.js';

/** The number of elements of a module's parameters; `trainable` counts only those that require grad. */
export function numParams(model: nn.Module, options: { trainable?: boolean } = {}): number {
  let n = 0;
  for (const p of model.parameters()) if (!options.trainable || p.requiresGrad) n += p.numel();
  return n;
}
