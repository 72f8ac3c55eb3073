/**
 * The pretrained weights fastai-ts knows: file names, checksums and origins.
 * @module
 */
import type { WeightsSource } from './arch.js';

const TORCHVISION =
  "torchvision's original ImageNet-1k weights (IMAGENET1K_V1, the ones fastai's resnets use), as republished in safetensors by timm " +
  '(BSD-3-Clause; ImageNet terms of access apply)';
const KERAS = "Keras MobileNet v1 ImageNet-1k weights (Apache-2.0, Google), converted to safetensors with PyTorch layouts; distributed by hand, not downloadable";
const hub = (repo: string) => `https://huggingface.co/timm/${repo}/resolve/main/model.safetensors`;

/** Registered weights by architecture name. */
export const WEIGHTS = {
  resnet18: {
    fileName: 'resnet18.tv_in1k.safetensors', url: hub('resnet18.tv_in1k'), bytes: 46_807_446,
    sha256: '694f673df6520a3158624e8a89af086f59923ee4cd7436fe5bc3bc71d295ad81', origin: `${TORCHVISION}: timm/resnet18.tv_in1k`,
  },
  resnet34: {
    fileName: 'resnet34.tv_in1k.safetensors', url: hub('resnet34.tv_in1k'), bytes: 87_278_522,
    sha256: '0bb82595a564991a9d424708b33f5d843f5aaed7f6c0886ff10849ff97022235', origin: `${TORCHVISION}: timm/resnet34.tv_in1k`,
  },
  resnet50: {
    fileName: 'resnet50.tv_in1k.safetensors', url: hub('resnet50.tv_in1k'), bytes: 102_469_840,
    sha256: '5d061a3c593d795bfe682d9b152bafbcf550579873492def3515b46db1189888', origin: `${TORCHVISION}: timm/resnet50.tv_in1k`,
  },
  'mobilenet_v1_0.25': {
    fileName: 'mobilenet_v1_0.25_224.safetensors', bytes: 1_914_016,
    sha256: '9e5db7c422460c096857911a7ced49b5570a5ab5c001b46e90b6a10c939d8a9e', origin: KERAS,
  },
  'mobilenet_v1_0.75': {
    fileName: 'mobilenet_v1_0.75_224.safetensors', bytes: 10_419_896,
    sha256: '89b4d35feee82c150320b4ef1fbcd5cca36d1088253aaba07c50466b6de845f8', origin: KERAS,
  },
} satisfies Record<string, WeightsSource>;

/** The weights registered for an architecture name, if any. */
export function weightsFor(name: string): WeightsSource | undefined {
  return (WEIGHTS as Record<string, WeightsSource>)[name];
}
