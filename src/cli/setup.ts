/**
 * From the shared flags to the library's objects: the DataBlock (labelling, split, presizing),
 * its DataLoaders, and the vision Learner. Every check of what the user gave happens here, up
 * front, with one line saying what to do (a missing folder, no images, a regex that matches
 * nothing, an unknown architecture), before any long work starts.
 * @module
 */
import { existsSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import {
  augTransforms, CategoryBlock, ColReader, DataBlock, readColumn, type DataLoaders, EarlyStoppingCallback, errorRate, getArch, getImageFiles,
  GrandparentSplitter, ImageBlock, type Learner, parentLabel, RandomSplitter, readCsv, RegexLabeller, Resize, type Splitter,
  type TransformBlock, type BatchTransform, type ItemTransform, usingAttr, visionLearner,
} from '../index.js';
import { CliError } from './errors.js';
import type { DataFlags, ModelFlags, RecipeFlags } from './flags.js';

/** A folder the user named: it must exist and be a folder. */
export function checkFolder(folder: string, what = 'the image folder'): string {
  const abs = resolve(folder);
  if (!existsSync(abs)) throw new CliError(`${what} ${abs} does not exist; check the path`);
  if (!statSync(abs).isDirectory()) throw new CliError(`${what} ${abs} is a file, not a folder; pass the folder that holds the images`);
  return abs;
}

/** A file the user named: it must exist. */
export function checkFile(file: string, what: string): string {
  const abs = resolve(file);
  if (!existsSync(abs)) throw new CliError(`${what} ${abs} does not exist; check the path`);
  if (statSync(abs).isDirectory()) throw new CliError(`${what} ${abs} is a folder; pass the file itself`);
  return abs;
}

/** A CSV column as the user wrote it: a header name, or a 0-based index. */
function column(s: string): string | number {
  return /^\d+$/.test(s) ? Number(s) : s;
}

/** What a DataBlock needs to find, label and split the items, and how to say it in a report. */
export interface Labelling {
  /** The source handed to `dataloaders`/`summary`: the folder, or the CSV rows. */
  source: unknown;
  getItems?: (source: unknown) => readonly unknown[];
  getX?: (item: unknown) => unknown;
  getY: (item: unknown) => unknown;
  splitter: Splitter;
  /** E.g. "regex '^(.+)_\d+\.jpg$' on file names". */
  labels: string;
  /** E.g. "random 20% (seed 42)". */
  split: string;
  /** How many items were found. */
  nItems: number;
}

const HOW_TO_LABEL =
  "say how to label the images: --label-re '<regex>' (labels in file names, e.g. '^(.+)_\\d+\\.jpg$'), " +
  '--label-parent (one folder per class), or --csv <labels.csv> --fn-col <column> --label-col <column>';

/** The images, their labels and the split the flags describe, checked. */
export function labelling(folderArg: string, flags: DataFlags): Labelling {
  const folder = checkFolder(folderArg);
  const splitter: Splitter = flags.validFolder !== undefined
    ? GrandparentSplitter({ trainName: flags.trainFolder, validName: flags.validFolder })
    : RandomSplitter({ validPct: flags.validPct, seed: flags.seed });
  const split = flags.validFolder !== undefined
    ? `by folder: ${flags.trainFolder}/ trains, ${flags.validFolder}/ validates`
    : `random ${Math.round(flags.validPct * 1000) / 10}% for validation (seed ${flags.seed})`;
  const chosen = [flags.labelRe !== undefined, flags.labelParent === true, flags.csv !== undefined].filter(Boolean).length;
  if (chosen === 0) throw new CliError(HOW_TO_LABEL);
  if (chosen > 1) throw new CliError('give only one of --label-re, --label-parent and --csv');

  if (flags.csv !== undefined) {
    const csv = checkFile(isAbsolute(flags.csv) ? flags.csv : join(folder, flags.csv), 'the CSV file');
    const rows = readCsv(csv);
    if (rows.length === 0) throw new CliError(`the CSV file ${csv} has no rows`);
    const fnCol = column(flags.fnCol);
    const labelCol = column(flags.labelCol);
    // Names relative to the folder, or absolute.
    const getX = Object.defineProperty((row: unknown) => {
      const name = String(readColumn(row, fnCol, '--fn-col'));
      return isAbsolute(name) ? name : join(folder, name);
    }, 'name', { value: `ColReader(${JSON.stringify(fnCol)}, relative to ${folder})` });
    const first = String(getX(rows[0]));
    if (!existsSync(first)) {
      throw new CliError(`the CSV's first file name (column ${JSON.stringify(fnCol)}) gives ${first}, which does not exist; pass the right --fn-col, or the folder the names are relative to`);
    }
    return {
      source: rows, getX, getY: ColReader(labelCol), splitter, nItems: rows.length, split,
      labels: `CSV ${relative(folder, csv) || basename(csv)}: file names in column ${JSON.stringify(fnCol)}, labels in ${JSON.stringify(labelCol)}`,
    };
  }

  const files = getImageFiles(folder); // no images: an error naming the folder and the extensions searched
  const getItems = () => files;
  if (flags.labelParent) {
    return { source: folder, getItems, getY: parentLabel, splitter, nItems: files.length, split, labels: 'the parent folder name' };
  }
  let regex: RegExp;
  try {
    regex = new RegExp(flags.labelRe!);
  } catch (e) {
    throw new CliError(`--label-re '${flags.labelRe}' is not a valid regular expression (${(e as Error).message})`);
  }
  const names = files.map((f) => basename(f));
  const misses = names.filter((n) => !regex.test(n));
  if (misses.length === names.length) {
    throw new CliError(`--label-re '${flags.labelRe}' matches none of the ${names.length} file names (e.g. '${names[0]}'); fix the pattern (its first group is the label)`);
  }
  if (misses.length > 0) {
    throw new CliError(`--label-re '${flags.labelRe}' does not match ${misses.length} of the ${names.length} file names (e.g. '${misses[0]}'); fix the pattern, or move those files out of the folder`);
  }
  if (!/\((?!\?)/.test(regex.source)) throw new CliError(`--label-re '${flags.labelRe}' has no capture group; put the label part in parentheses, e.g. '^(.+)_\\d+\\.jpg$'`);
  return {
    source: folder, getItems, getY: usingAttr(RegexLabeller(regex), 'name'), splitter, nItems: files.length, split,
    labels: `regex '${flags.labelRe}' on file names`,
  };
}

/** The blocks and transforms of a DataBlock; by default the flags' presizing (Resize + augTransforms). */
export interface BlockParts {
  blocks?: readonly TransformBlock[];
  itemTfms?: readonly ItemTransform[];
  batchTfms?: readonly BatchTransform[];
}

/** The DataBlock the flags describe (images -> category, presizing). */
export function dataBlock(lab: Labelling, flags: DataFlags, parts: BlockParts = {}): DataBlock<unknown> {
  return new DataBlock({
    blocks: parts.blocks ?? [ImageBlock(), CategoryBlock()],
    ...(lab.getItems ? { getItems: lab.getItems } : {}),
    ...(lab.getX ? { getX: lab.getX } : {}),
    getY: lab.getY,
    splitter: lab.splitter,
    itemTfms: parts.itemTfms ?? Resize(flags.itemSize),
    batchTfms: parts.batchTfms ?? augTransforms({ size: flags.size, minScale: flags.minScale }),
  });
}

/** The DataLoaders the flags describe. */
export async function dataLoaders(lab: Labelling, flags: DataFlags, parts: BlockParts = {}): Promise<DataLoaders> {
  const dls = await dataBlock(lab, flags, parts).dataloaders(lab.source, { bs: flags.bs });
  if (dls.trainDs.length === 0) throw new CliError(`the split left no training images (${lab.split}); lower --valid-pct or check --train-folder`);
  if (dls.validDs.length === 0) throw new CliError(`the split left no validation images (${lab.split}); raise --valid-pct or check --valid-folder`);
  return dls;
}

/** An architecture name, checked before anything is built (the error lists the known ones). */
export function checkArch(name: string): void {
  try {
    getArch(name);
  } catch (e) {
    throw new CliError((e as Error).message.replace('(or register your own with registerArch)', '').trim());
  }
}

/**
 * The vision Learner the flags describe: `--arch` (pretrained unless `--no-pretrained`, from
 * `--weights` when given), error rate as the metric, early stopping, precision and memory
 * format. Checkpoints go under `path`.
 */
export async function learnerFor(dls: DataLoaders, flags: ModelFlags & Partial<RecipeFlags> & { quiet?: boolean }, path: string): Promise<Learner> {
  checkArch(flags.arch);
  const learn = await visionLearner(dls, flags.arch, {
    metrics: [errorRate],
    pretrained: flags.pretrained,
    ...(flags.weights === undefined ? {} : { weights: flags.weights }),
    path,
    quiet: flags.quiet ?? false,
    cbs: flags.earlyStop === undefined ? [] : [new EarlyStoppingCallback({ patience: flags.earlyStop })],
  }).catch((e: unknown) => {
    // The library's advice names its option; on the command line it is the flag.
    if (e instanceof Error) e.message = e.message.replace(/\bpass weights: /g, 'pass --weights ');
    throw e;
  });
  if (flags.bf16) learn.toBf16();
  else if (flags.fp16) learn.toFp16();
  if (flags.channelsLast) learn.toChannelsLast();
  return learn;
}

/**
 * Whether this process is one rank of several: `RANK` set and `WORLD_SIZE` above 1 in the
 * environment, as `fastai-ts launch` and torchrun set them (then `train` trains data-parallel).
 */
export function launchedAsRank(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.RANK !== undefined && env.RANK !== '' && Number(env.WORLD_SIZE) > 1;
}

/** The recipe in words, for the console and the report. */
export function recipeText(flags: ModelFlags & RecipeFlags, lr: number | undefined): string {
  const lrText = lr === undefined ? '' : `, lr ${lr.toExponential(2)}`;
  const precision = flags.bf16 ? ', bf16 mixed precision' : flags.fp16 ? ', fp16 mixed precision' : '';
  return flags.pretrained
    ? `fineTune(${flags.epochs}, freezeEpochs ${flags.freezeEpochs}${lrText || ', base lr 2e-3'})${precision}`
    : `fitOneCycle(${flags.epochs}${lrText || ', lr 1e-3'})${precision}`;
}
