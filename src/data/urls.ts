/**
 * Where fastai's datasets live (the same addresses as fastai's `URLs`), for `untarData`.
 * @module
 */
const S3 = 'https://s3.amazonaws.com/fast-ai-';
const SAMPLE = `${S3}sample/`;
const IMAGE = `${S3}imageclas/`;

/** fastai's dataset URLs (image classification). */
export const URLs = {
  /** Oxford-IIIT Pet: 7,390 images of 37 breeds (fastbook chapter 5). */
  PETS: `${IMAGE}oxford-iiit-pet.tgz`,
  MNIST: `${IMAGE}mnist_png.tgz`,
  MNIST_SAMPLE: `${SAMPLE}mnist_sample.tgz`,
  MNIST_TINY: `${SAMPLE}mnist_tiny.tgz`,
  MNIST_VAR_SIZE_TINY: `${IMAGE}mnist_var_size_tiny.tgz`,
  CIFAR: `${SAMPLE}cifar10.tgz`,
  CIFAR_100: `${IMAGE}cifar100.tgz`,
  DOGS: `${SAMPLE}dogscats.tgz`,
  IMAGENETTE: `${IMAGE}imagenette2.tgz`,
  IMAGENETTE_160: `${IMAGE}imagenette2-160.tgz`,
  IMAGENETTE_320: `${IMAGE}imagenette2-320.tgz`,
  IMAGEWOOF: `${IMAGE}imagewoof2.tgz`,
  IMAGEWOOF_160: `${IMAGE}imagewoof2-160.tgz`,
  IMAGEWOOF_320: `${IMAGE}imagewoof2-320.tgz`,
  CALTECH_101: `${IMAGE}caltech_101.tgz`,
  CARS: `${IMAGE}stanford-cars.tgz`,
  CUB_200_2011: `${IMAGE}CUB_200_2011.tgz`,
  FLOWERS: `${IMAGE}oxford-102-flowers.tgz`,
  FOOD: `${IMAGE}food-101.tgz`,
  PLANET_SAMPLE: `${SAMPLE}planet_sample.tgz`,
  PLANET_TINY: `${SAMPLE}planet_tiny.tgz`,
} as const;
