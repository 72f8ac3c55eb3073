/**
 * fastai's transfer-learning model: a pretrained architecture's body (features without pooling
 * and classifier) followed by a new head, `Sequential(body, head)`.
 * @module
 */
import { nn, type Tensor, torch } from '../../torch/index.js';
import type { ArchSpec, Cut, ParamSplitter } from './arch.js';
import { AdaptiveConcatPool2d } from './adaptive-concat-pool.js';
import { createHead, type HeadOptions } from './create-head.js';
import { archNames, getArch } from './registry.js';
import { defaultSplit } from './splitters.js';
import { loadWeightsFile, resolveWeights, type WeightsOptions } from './weights.js';

const isPool = (m: nn.Module) =>
  m instanceof nn.MaxPool2d || m instanceof nn.AvgPool2d || m instanceof nn.AdaptiveAvgPool2d ||
  m instanceof nn.AdaptiveMaxPool2d || m instanceof AdaptiveConcatPool2d;
const hasPool = (m: nn.Module): boolean => m.modules().some(isPool);

/**
 * The body of `model`: its children before `cut` as a new Sequential (renumbered 0, 1, ... as
 * fastai's `nn.Sequential(*children[:cut])`), or `cut(model)` for a function. Without `cut`,
 * fastai's rule: cut before the last child that contains a pooling layer. The body shares the
 * model's parameters.
 * @example
 * const body = createBody(resnet34(), -2); // conv1 ... layer4
 */
export function createBody(model: nn.Module, cut?: Cut): nn.Sequential {
  if (typeof cut === 'function') return cut(model);
  const children = model.children() as nn.Layer[];
  let at = cut;
  if (at === undefined) {
    at = children.findLastIndex(hasPool);
    if (at < 0) throw new Error(`createBody: ${model.constructor.name} has no pooling layer to cut at; pass cut (a child index or a function)`);
  }
  return new nn.Sequential(...children.slice(0, at));
}

/**
 * The channels of a body's output, found as fastai does: a forward pass of a dummy 3-channel
 * image in evaluation mode (64 px, doubled until it fits), restoring each module's mode after.
 */
export function numFeaturesModel(body: nn.Module): number {
  const modes = body.modules().map((m) => [m, m.training] as const);
  body.eval();
  try {
    for (let size = 64; ; size *= 2) {
      try {
        return torch.tidy(() => torch.noGrad(() => body.call(torch.zeros([1, 3, size, size])).shape[1]!));
      } catch (e) {
        if (size >= 2048) throw e;
      }
    }
  } finally {
    for (const [m, training] of modes) m.training = training;
  }
}

/** Initialises a head as fastai's `apply_init`: `init` on every non-norm weight, biases to 0. */
function applyInit(head: nn.Module, init: (w: Tensor) => unknown): void {
  for (const m of head.modules()) {
    if (m instanceof nn.BatchNorm1d || m instanceof nn.BatchNorm2d) continue;
    const own = new Map(m.namedParameters('', false));
    if (!own.size || !m.parameters()[0]!.requiresGrad) continue;
    const weight = own.get('weight');
    const bias = own.get('bias');
    if (weight) init(weight);
    if (bias) torch.noGrad(() => bias.zero_());
  }
}

/** The head options that shape a {@link VisionModel}'s head, as resolved (see {@link HeadOptions}). */
export interface HeadConfig {
  linFtrs: number[];
  ps: number | number[];
  pool: boolean;
  concatPool: boolean;
  firstBn: boolean;
  bnFinal: boolean;
}

/**
 * How a {@link VisionModel} was built, as JSON: enough to rebuild the same shapes with
 * {@link rebuildVisionModel} (the weights come from elsewhere, e.g. an export).
 */
export interface VisionModelConfig {
  /** The registered architecture's name. */
  arch: string;
  /** Outputs of the head. */
  nOut: number;
  /** A child index where the body was cut, when it was not the architecture's own cut. */
  cut?: number;
  head: HeadConfig;
}

/** fastai's vision model: `Sequential(body, head)`, which knows its architecture and parameter groups. */
export class VisionModel extends nn.Sequential {
  readonly #config: VisionModelConfig | undefined;
  readonly #whyNot: string;

  /**
   * @param body the architecture's features (child `0`)
   * @param head the classifier (child `1`)
   * @param arch the architecture the body came from
   * @param splitter parameter groups (default: the architecture's splitter)
   * @param config how it was built (see {@link VisionModel.config}), or why it cannot be rebuilt from
   *   a config (e.g. 'a custom head'). Default: 'built by hand' (it cannot be exported)
   */
  constructor(
    body: nn.Sequential,
    head: nn.Module,
    /** The architecture the body came from. */
    readonly arch: ArchSpec,
    /** Its parameter groups (see {@link VisionModel.paramGroups}). */
    readonly splitter: ParamSplitter = arch.splitter ?? defaultSplit,
    config: VisionModelConfig | string = 'it was built by hand (new VisionModel), not by createVisionModel',
  ) {
    super(body, head as nn.Layer);
    this.#config = typeof config === 'string' ? undefined : config;
    this.#whyNot = typeof config === 'string' ? config : '';
  }

  /** How it was built (architecture name, nOut, cut, head options), or undefined when it cannot be rebuilt from one. */
  get config(): VisionModelConfig | undefined {
    return this.#config;
  }

  /**
   * {@link VisionModel.config}, checked for export: throws, naming `who`, when the model cannot
   * be rebuilt from it (a custom head, cut function or last activation; an architecture given as
   * a spec that is not registered under its name).
   */
  exportConfig(who = 'VisionModel.exportConfig'): VisionModelConfig {
    if (!this.#config) {
      throw new Error(`${who}: this model cannot be exported because ${this.#whyNot}; only models that createVisionModel builds from a registered architecture and head options can be rebuilt from a file`);
    }
    if (!archNames().includes(this.#config.arch) || getArch(this.#config.arch) !== this.arch) {
      throw new Error(`${who}: the model's architecture '${this.arch.name}' is no longer the one registered under that name; register it with registerArch before exporting`);
    }
    return this.#config;
  }

  /** The pretrained part: the architecture's features. */
  get body(): nn.Sequential {
    return this.at(0) as nn.Sequential;
  }

  /** The new classifier. */
  get head(): nn.Module {
    return this.at(1);
  }

  /**
   * The parameter groups for discriminative learning rates and freezing, earliest layers first
   * (ResNets: `body[:6]`, `body[6:]`, head). Every parameter appears in exactly one group.
   */
  paramGroups(): Tensor[][] {
    return this.splitter(this);
  }
}

/** Options for {@link createVisionModel}, with fastai's defaults. */
export interface VisionModelOptions extends HeadOptions, WeightsOptions {
  /** Start the body from the architecture's pretrained weights (downloaded if needed). Default true. */
  pretrained?: boolean;
  /** Where the body ends (a child index or a function). Default: the architecture's registered cut. */
  cut?: Cut;
  /** A head to use instead of {@link createHead}'s. */
  customHead?: nn.Module;
  /** Initialiser for the head's weights; null keeps them as built. Default `nn.init.kaimingNormal_`. */
  init?: ((weight: Tensor) => unknown) | null;
  /** Parameter groups. Default: the architecture's splitter. */
  splitter?: ParamSplitter;
}

/**
 * fastai's `create_vision_model`: the body of `arch` (pretrained by default) and a new head
 * for `nOut` classes ({@link createHead}), initialised kaiming-normal. Asynchronous because the
 * pretrained weights may need downloading.
 * @example
 * const model = await createVisionModel('resnet34', 37);                       // pets, pretrained
 * const [early, late, head] = model.paramGroups();
 * const local = await createVisionModel('mobilenet_v1_0.25', 37, { weights: '../shared/models' });
 */
export async function createVisionModel(arch: string | ArchSpec, nOut: number, options: VisionModelOptions = {}): Promise<VisionModel> {
  const spec = getArch(arch);
  const pretrained = options.pretrained ?? true;
  const path = pretrained || options.weights !== undefined ? await resolveWeights(spec.name, spec.weights, options) : undefined;
  const model = spec.create();
  let body: nn.Sequential;
  try {
    if (path) loadWeightsFile(model, path);
    body = createBody(model, options.cut ?? spec.cut);
  } catch (e) {
    model.dispose();
    throw e;
  }
  // Free what the body leaves behind (the ImageNet classifier).
  const kept = new Set(body.parameters().concat(body.buffers()));
  for (const t of [...model.parameters(), ...model.buffers()]) if (!kept.has(t)) t.dispose();

  let head = options.customHead;
  const config = buildConfig(spec, nOut, options);
  if (!head) {
    const nf = options.cut === undefined ? spec.nf : numFeaturesModel(body);
    head = createHead(nf, nOut, options);
    const init = options.init === undefined ? nn.init.kaimingNormal_ : options.init;
    if (init) applyInit(head, init);
  }
  return new VisionModel(body, head, spec, options.splitter, config);
}

/** The JSON config of a model createVisionModel builds, or why it has none. */
function buildConfig(spec: ArchSpec, nOut: number, options: VisionModelOptions): VisionModelConfig | string {
  if (options.customHead) return 'it has a custom head (customHead), which is code';
  if (typeof options.cut === 'function') return 'its body was cut by a function (cut), which is code';
  if (options.lastActivation) return 'its head ends in a lastActivation module, which is code; apply the activation after the model instead';
  if (!archNames().includes(spec.name) || getArch(spec.name) !== spec) {
    return `its architecture '${spec.name}' was given as a spec that is not registered; register it with registerArch so it can be rebuilt by name`;
  }
  const head: HeadConfig = {
    linFtrs: [...(options.linFtrs ?? [512])],
    ps: typeof options.ps === 'object' ? [...options.ps] : (options.ps ?? 0.5),
    pool: options.pool ?? true,
    concatPool: options.concatPool ?? true,
    firstBn: options.firstBn ?? true,
    bnFinal: options.bnFinal ?? false,
  };
  return { arch: spec.name, nOut, ...(options.cut === undefined ? {} : { cut: options.cut }), head };
}

/**
 * A {@link VisionModel} with the shapes `config` describes, randomly initialised (no pretrained
 * download): load weights into it next, e.g. from an export. Unknown architectures fail with
 * the registered ones; malformed configs name the bad field.
 * @example
 * const model = await rebuildVisionModel(original.exportConfig()); model.loadStateDict(original.stateDict());
 */
export async function rebuildVisionModel(config: VisionModelConfig): Promise<VisionModel> {
  const bad = (what: string, v: unknown): never => {
    throw new TypeError(`rebuildVisionModel: ${what} must be ${v}, got ${JSON.stringify(config)}`);
  };
  if (config === null || typeof config !== 'object') bad('the config', 'an object { arch, nOut, head }');
  if (typeof config.arch !== 'string') bad('arch', 'a registered architecture name');
  if (!Number.isInteger(config.nOut) || config.nOut < 1) bad('nOut', 'a positive integer');
  if (config.cut !== undefined && !Number.isInteger(config.cut)) bad('cut', 'an integer child index');
  const h = config.head;
  if (h === null || typeof h !== 'object') bad('head', 'an object of head options');
  if (!Array.isArray(h.linFtrs) || !h.linFtrs.every((n) => Number.isInteger(n) && n > 0)) bad('head.linFtrs', 'an array of positive integers');
  if (!(typeof h.ps === 'number' || (Array.isArray(h.ps) && h.ps.every((p) => typeof p === 'number')))) bad('head.ps', 'a number or an array of numbers');
  for (const k of ['pool', 'concatPool', 'firstBn', 'bnFinal'] as const) if (typeof h[k] !== 'boolean') bad(`head.${k}`, 'a boolean');
  const spec = getArch(config.arch);
  return createVisionModel(spec, config.nOut, { ...h, ...(config.cut === undefined ? {} : { cut: config.cut }), pretrained: false, init: null });
}
