/**
 * `F`: PyTorch's `torch.nn.functional` in camelCase.
 * @module
 */
export * from './activation.js';
export * from './conv.js';
export * from './loss.js';
export * from './normalization.js';
export * from './pooling.js';
export * from './sampling.js';
