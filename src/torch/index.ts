/**
 * The engine layer: tensors, autograd, `nn` and `F` over libtorch.
 * `import { torch, nn, F } from 'fastai-ts'`.
 * @module
 */
import * as autocastNs from './autocast.js';
import * as autogradNs from './autograd.js';
import { backends } from './backends.js';
import * as creation from './creation.js';
import * as distributedNs from './distributed/index.js';
import * as ops from './ops.js';
import * as runtime from './runtime.js';
import * as safetensors from './safetensors.js';
import * as scope from './scope.js';
import { Tensor } from './tensor.js';

export * as F from './functional/index.js';
export * as nn from './nn/index.js';
export type { DType } from './dtype.js';
export type { TensorData, TensorOptions } from './creation.js';
export type { StateDict } from './safetensors.js';
export type { AutocastOptions } from './autocast.js';
export type { EngineMemory } from './runtime.js';
export type { CpuInfo } from './backends.js';
export type { AllReduceOptions, Backend, BroadcastOptions, InitProcessGroupOptions } from './distributed/index.js';
export { DistributedError } from './distributed/index.js';
export { Tensor, type Device, type MemoryFormat, type NestedArray, type ValuesIndices } from './tensor.js';

/** The `torch` namespace: creation, math, autograd, memory, seeds and I/O. */
export const torch = {
  ...creation,
  ...ops,
  ...autogradNs,
  ...autocastNs,
  ...runtime,
  ...safetensors,
  backends,
  /** torch.distributed: process groups and collectives over c10d (Gloo). */
  distributed: distributedNs,
  tidy: scope.tidy,
  keep: scope.keep,
  dispose: scope.dispose,
  Tensor,
  float32: 'float32', float64: 'float64', float16: 'float16', bfloat16: 'bfloat16',
  int64: 'int64', int32: 'int32', int16: 'int16', int8: 'int8', uint8: 'uint8', bool: 'bool',
} as const;
