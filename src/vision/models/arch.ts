/**
 * The types that describe an architecture: its constructor options, where its pretrained
 * weights come from, and what transfer learning needs to know about it.
 * @module
 */
import type { nn, Tensor } from '../../torch/index.js';
import type { NormalizationStats } from '../normalize.js';

/** Options every architecture constructor takes (`resnet34(options)`, `mobilenetV1(options)`). */
export interface ArchOptions {
  /**
   * Load the architecture's registered pretrained weights (see {@link ArchSpec.weights}).
   * Constructors are synchronous, so the weights must already be local: in the cache, or given
   * by `weights`. Download them with `await loadPretrained(name)` or `await fetchWeights(name)`.
   * Default false (random initialisation, as torchvision).
   */
  pretrained?: boolean;
  /** Outputs of the classifier. Default 1000 (ImageNet); pretrained weights need 1000. */
  numClasses?: number;
  /**
   * Where to load weights from: a `.safetensors` file, or a folder holding the registered file
   * name (e.g. `../shared/models`). Giving it implies `pretrained`. An http(s) URL is downloaded
   * by the asynchronous loaders (`loadPretrained`, `fetchWeights`, `createVisionModel`); a
   * synchronous constructor only uses a URL's file once it is cached.
   * Default: the registered source (the cache under `$FASTAI_TS_HOME/models`).
   */
  weights?: string;
  /**
   * The sha256 the weights file must have. Default: the registered checksum when the file has
   * the registered file name (a corrupt or different download is caught), none otherwise.
   * `null` turns the check off (your own file that happens to have the registered name).
   */
  sha256?: string | null;
}

/** Per-channel mean and standard deviation of 0..1 RGB pixels that pretrained weights expect. */

/** A published weights file: its file name in the cache, checksum and origin. */
export interface WeightsSource {
  /** File name in the cache folder, and the name a local folder is searched for. */
  fileName: string;
  /** sha256 of the file (hex), checked after download and whenever a file of this name is loaded. */
  sha256?: string;
  /** Where to download it from; absent when the file is only distributed by hand. */
  url?: string;
  /** Size in bytes, for messages. */
  bytes?: number;
  /** Who published it, what it was trained on, and its licence. */
  origin: string;
}

/**
 * Splits a vision model (`Sequential(body, head)`) into parameter groups, earliest layers
 * first, for discriminative learning rates and freezing. Every trainable parameter appears in
 * exactly one group.
 */
export type ParamSplitter = (model: nn.Module) => Tensor[][];

/** How to cut an architecture into a body: a child index (negative counts from the end, as Python's `[:cut]`) or a function. */
export type Cut = number | ((model: nn.Module) => nn.Sequential);

/** An architecture with what fastai's `model_meta` records about it, addressable by name. */
export interface ArchSpec {
  /** The name used by the CLI and `visionLearner`, e.g. `'resnet34'`. */
  readonly name: string;
  /** One line for listings. */
  readonly description: string;
  /** Builds the full classifier (synchronously; see {@link ArchOptions.pretrained}). */
  create(options?: ArchOptions): nn.Module;
  /** Where the body ends among the model's children (the features without pooling and classifier). */
  readonly cut: Cut;
  /** Channels of the body's output (the head's input before pooling). */
  readonly nf: number;
  /** The default parameter groups of `createVisionModel(arch, ...)`. */
  readonly splitter: ParamSplitter;
  /** The input normalisation the pretrained weights expect. */
  readonly stats: NormalizationStats;
  /** The pretrained weights, if any are registered. */
  readonly weights?: WeightsSource;
}
