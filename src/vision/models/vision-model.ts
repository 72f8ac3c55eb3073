/**
 * fastai's transfer-learning model: a pretrained architecture's body (features without pooling
 * and classifier) followed by a new head, `Sequential(body, head)`.
 * @module
 */
import { nn, type Tensor, torch } from '../../torch/index.js';
import type { ArchSpec, Cut, ParamSplitter } from './arch.js';
import { AdaptiveConcatPool2d } from './adaptive-concat-pool.js';
import { createHead, type HeadOptions } from './create-head.js';
import { getArch } from './registry.js';
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

/** fastai's vision model: `Sequential(body, head)`, which knows its architecture and parameter groups. */
export class VisionModel extends nn.Sequential {
  /**
   * @param body the architecture's features (child `0`)
   * @param head the classifier (child `1`)
   * @param arch the architecture the body came from
   * @param splitter parameter groups (default: the architecture's splitter)
   */
  constructor(
    body: nn.Sequential,
    head: nn.Module,
    /** The architecture the body came from. */
    readonly arch: ArchSpec,
    /** Its parameter groups (see {@link VisionModel.paramGroups}). */
    readonly splitter: ParamSplitter = arch.splitter ?? defaultSplit,
  ) {
    super(body, head as nn.Layer);
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
  if (!head) {
    const nf = options.cut === undefined ? spec.nf : numFeaturesModel(body);
    head = createHead(nf, nOut, options);
    const init = options.init === undefined ? nn.init.kaimingNormal_ : options.init;
    if (init) applyInit(head, init);
  }
  return new VisionModel(body, head, spec, options.splitter);
}
