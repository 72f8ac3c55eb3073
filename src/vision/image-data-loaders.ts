/**
 * ImageDataLoaders: fastai's one-line constructors for the usual image-classification layouts
 * (labels in file names, one folder per class, a CSV of labels).
 * @module
 */
import { join } from 'node:path';
import { CategoryBlock } from '../data/category-block.js';
import { ColReader, type CsvRow, readCsv } from '../data/col-reader.js';
import { DataBlock } from '../data/datablock.js';
import type { DataLoaders, DataLoadersOptions } from '../data/dataloaders.js';
import type { OnError } from '../data/datasets.js';
import { getImageFiles } from '../data/files.js';
import { parentLabel, RegexLabeller, usingAttr } from '../data/labellers.js';
import { ColSplitter, GrandparentSplitter, RandomSplitter, type Splitter } from '../data/splitters.js';
import type { BatchTransform, ItemTransform } from '../data/transform.js';
import { ImageBlock } from './image-block.js';

/** Options shared by the ImageDataLoaders constructors. */
export interface ImageDataLoadersOptions extends DataLoadersOptions {
  /** Fraction of items for validation (random split). Default 0.2. */
  validPct?: number;
  /** Seeds the split (torch.manualSeed, as fastai) and the loaders. Default: unseeded. */
  seed?: number;
  /** E.g. `Resize(460)`. Default none. */
  itemTfms?: ItemTransform | readonly ItemTransform[];
  /** E.g. `augTransforms({ size: 224, minScale: 0.75 })`. Default none. */
  batchTfms?: BatchTransform | readonly BatchTransform[];
  /** 'raise' (default) or 'skip' unreadable images. */
  onError?: OnError;
  /** A fixed class list. Default: the sorted training labels. */
  vocab?: readonly string[];
}

/** Options for {@link ImageDataLoaders.fromFolder}. */
export interface FromFolderOptions extends ImageDataLoadersOptions {
  /** The training folder under `path`. Default 'train'. */
  train?: string;
  /** The validation folder under `path`. Default 'valid'. */
  valid?: string;
}

/** Options for {@link ImageDataLoaders.fromCsv}. */
export interface FromCsvOptions extends ImageDataLoadersOptions {
  /** The CSV has a header row. Default true. */
  header?: boolean;
  /** Field separator. Default: detected. */
  delimiter?: string;
  /** Column of the file names (name or index). Default 0. */
  fnCol?: string | number;
  /** Column of the labels. Default 1. */
  labelCol?: string | number;
  /** Subfolder of `path` holding the images. Default: `path` itself. */
  folder?: string;
  /** Appended to each file name (e.g. '.jpg'). Default ''. */
  suff?: string;
  /** Column saying which rows are validation (true/1). Default: a random split. */
  validCol?: string | number;
}

async function build(
  source: readonly unknown[],
  getX: ((item: unknown) => unknown) | undefined,
  getY: (item: unknown) => unknown,
  splitter: Splitter,
  path: string,
  options: ImageDataLoadersOptions,
): Promise<DataLoaders> {
  const { validPct: _v, itemTfms, batchTfms, vocab, ...rest } = options;
  const dblock = new DataBlock({
    blocks: [ImageBlock(), CategoryBlock({ vocab })],
    getX,
    getY,
    splitter,
    itemTfms,
    batchTfms,
  });
  const dls = await dblock.dataloaders(source, rest);
  dls.path = path;
  return dls;
}

function randomSplit(options: ImageDataLoadersOptions): Splitter {
  return RandomSplitter({ validPct: options.validPct ?? 0.2, seed: options.seed });
}

/** fastai's `ImageDataLoaders` constructors. */
export const ImageDataLoaders = {
  /**
   * Labels from a function of each file path.
   * @param path the dataset folder (kept as `dls.path`)
   * @param fnames the image files, e.g. `getImageFiles(path)`
   * @param labelFunc file path -> label
   */
  fromPathFunc(path: string, fnames: readonly string[], labelFunc: (file: string) => unknown, options: ImageDataLoadersOptions = {}): Promise<DataLoaders> {
    return build(fnames, undefined, (f) => labelFunc(f as string), randomSplit(options), path, options);
  },

  /**
   * Labels from a function of each file *name* (fastai's `from_name_func`).
   *
   * @example
   * const dls = await ImageDataLoaders.fromNameFunc(path, getImageFiles(path), (name) => name[0] === name[0].toUpperCase() ? 'cat' : 'dog', { itemTfms: Resize(224) });
   */
  fromNameFunc(path: string, fnames: readonly string[], labelFunc: (name: string) => unknown, options: ImageDataLoadersOptions = {}): Promise<DataLoaders> {
    return build(fnames, undefined, usingAttr((n) => labelFunc(n as string), 'name'), randomSplit(options), path, options);
  },

  /**
   * Labels from the first group of a regex on each file name (fastai's `from_name_re`).
   *
   * @example
   * const path = '../shared/data/pets';
   * const dls = await ImageDataLoaders.fromNameRe(path, getImageFiles(path), /^(.+)_\d+\.jpg$/, {
   *   seed: 42, itemTfms: Resize(460), batchTfms: augTransforms({ size: 224, minScale: 0.75 }),
   * });
   */
  fromNameRe(path: string, fnames: readonly string[], pattern: RegExp | string, options: ImageDataLoadersOptions = {}): Promise<DataLoaders> {
    return build(fnames, undefined, RegexLabeller(pattern, { matchOn: 'name' }), randomSplit(options), path, options);
  },

  /** Labels from a regex on each whole path (fastai's `from_path_re`). */
  fromPathRe(path: string, fnames: readonly string[], pattern: RegExp | string, options: ImageDataLoadersOptions = {}): Promise<DataLoaders> {
    return build(fnames, undefined, RegexLabeller(pattern), randomSplit(options), path, options);
  },

  /**
   * ImageNet-style folders: `path/train/<label>/*.jpg` and `path/valid/<label>/*.jpg` (or a
   * random split of everything under `path` when `validPct` is given). Labels are the parent
   * folder names.
   */
  fromFolder(path: string, options: FromFolderOptions = {}): Promise<DataLoaders> {
    const { train = 'train', valid = 'valid', ...rest } = options;
    const random = options.validPct !== undefined;
    const files = getImageFiles(path, random ? {} : { folders: [train, valid] });
    const splitter = random ? randomSplit(rest) : (GrandparentSplitter({ trainName: train, validName: valid }) as Splitter);
    return build(files, undefined, parentLabel, splitter, path, rest);
  },

  /**
   * Labels from a CSV in `path` (fastai's `from_csv`): file names in column `fnCol`, labels in
   * `labelCol`; images under `path/folder`. With `validCol` the split comes from that column.
   */
  fromCsv(
    path: string,
    csvFname = 'labels.csv',
    options: FromCsvOptions = {},
  ): Promise<DataLoaders> {
    const { header, delimiter, fnCol = 0, labelCol = 1, folder, suff = '', validCol, ...rest } = options;
    const rows: CsvRow[] = readCsv(join(path, csvFname), { header, delimiter });
    if (rows.length === 0) throw new Error(`ImageDataLoaders.fromCsv: '${join(path, csvFname)}' has no rows`);
    const pref = `${folder === undefined ? path : join(path, folder)}/`;
    const splitter = validCol === undefined ? randomSplit(rest) : ColSplitter(validCol);
    return build(rows, ColReader(fnCol, { pref, suff }), ColReader(labelCol), splitter, path, rest);
  },
};
