/**
 * Pretrained models by name: download (or find) the weights, build, load.
 * @module
 */
import type { nn } from '../../torch/index.js';
import type { ArchSpec } from './arch.js';
import { getArch } from './registry.js';
import { loadWeightsFile, resolveWeights, type WeightsOptions } from './weights.js';

/**
 * The local path of an architecture's weights, downloading them into the cache
 * (`$FASTAI_TS_HOME/models`) if needed, with a progress bar; the sha256 is verified.
 * `options.weights` overrides the source: a local file, a folder holding the registered file
 * name, or a URL.
 * @example
 * await fetchWeights('resnet34'); // then resnet34({ pretrained: true }) loads without network
 */
export async function fetchWeights(arch: string | ArchSpec, options: WeightsOptions = {}): Promise<string> {
  const spec = getArch(arch);
  return resolveWeights(spec.name, spec.weights, options);
}

/**
 * Builds `arch` (a registered name or a spec) with its 1000-class ImageNet classifier and loads
 * its pretrained weights with a strict `loadStateDict` (every key and shape must match).
 * Offline with no cached copy, the error names the missing file, the URL and how to pass a
 * local file.
 * @example
 * const model = (await loadPretrained('resnet34')).eval();
 * const mobile = await loadPretrained('mobilenet_v1_0.25', { weights: '../shared/models' });
 */
export async function loadPretrained(arch: string | ArchSpec, options: WeightsOptions = {}): Promise<nn.Module> {
  const spec = getArch(arch);
  const path = await resolveWeights(spec.name, spec.weights, options);
  const model = spec.create();
  try {
    loadWeightsFile(model, path);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
