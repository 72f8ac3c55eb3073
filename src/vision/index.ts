/**
 * The vision layer: architectures and pretrained weights (and, from the data pipeline, images
 * and their transforms).
 * @module
 */
export * from './models/index.js';
