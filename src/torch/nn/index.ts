/**
 * `nn`: modules with PyTorch's names and state-dict keys, and `nn.init`.
 * @module
 */
export * from './batchnorm.js';
export * from './conv.js';
export * as init from './init.js';
export * from './layers.js';
export * from './linear.js';
export * from './module.js';
export * from './sequential.js';
export { DistributedDataParallel, type DistributedDataParallelOptions } from '../distributed/ddp.js';
