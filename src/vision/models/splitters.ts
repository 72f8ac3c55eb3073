/**
 * Parameter groups of vision models (`Sequential(body, head)`), earliest layers first, for
 * discriminative learning rates and freezing (fastai's `splitter`s).
 * @module
 */
import { nn } from '../../torch/index.js';
import type { ParamSplitter } from './arch.js';

function bodyAndHead(model: nn.Module, who: string): [nn.Sequential, nn.Module] {
  if (!(model instanceof nn.Sequential) || model.length < 2 || !(model.at(0) instanceof nn.Sequential)) {
    throw new TypeError(`${who}: expected a vision model Sequential(body: Sequential, head), as createVisionModel builds; got ${model.constructor.name}`);
  }
  return [model.at(0) as nn.Sequential, model.slice(1)];
}

/** Splits a body at child index `at`: groups `body[:at]`, `body[at:]`, head (fastai's `_resnet_split` at 6). */
export function splitBodyAt(at: number): ParamSplitter {
  return (model) => {
    const [body, head] = bodyAndHead(model, 'splitter');
    return [body.slice(0, at).parameters(), body.slice(at).parameters(), head.parameters()];
  };
}

/**
 * fastai's ResNet split: `body[:6]` (conv1, bn1, relu, maxpool, layer1, layer2),
 * `body[6:]` (layer3, layer4), head.
 */
export const resnetSplit: ParamSplitter = splitBodyAt(6);

/**
 * MobileNet v1 split at the same place as the ResNets', where the features reach stride 16:
 * the stem and blocks 1-5, blocks 6-13, head. (fastai has no meta for this architecture and
 * would use two groups, body and head; three keep `slice(lo, hi)` learning rates comparable.)
 */
export const mobilenetV1Split: ParamSplitter = splitBodyAt(3 + 5 * 6);

/** fastai's `default_split`: the body, then everything after it. */
export const defaultSplit: ParamSplitter = (model) => {
  const [body, head] = bodyAndHead(model, 'defaultSplit');
  return [body.parameters(), head.parameters()];
};

/** Every parameter in one group (a model with no body/head structure). */
export const noSplit: ParamSplitter = (model) => [model.parameters()];

