/**
 * fastai-ts: fastai's image-classification workflow on libtorch.
 * @module
 */
export { torch, nn, F, Tensor } from './torch/index.js';
export type { DType, Device, MemoryFormat, StateDict, TensorData, TensorOptions } from './torch/index.js';
export * from './data/index.js';
export * from './vision/index.js';
export * from './learner/index.js';
export * from './interpret/index.js';
/** The plotting module (charts, heatmaps and image grids to PNG or SVG): `plot.lineChart(...)`. */
export * as plot from './plot/index.js';
// Loading the report module also adds learn.report() to the Learner (fastai's @patch).
export * from './report/index.js';
