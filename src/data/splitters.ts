/**
 * Splitters: functions from the list of items to `[trainIndices, validIndices]`.
 * @module
 */
import { basename, dirname } from 'node:path';
import { torch } from '../torch/index.js';
import { readColumn } from './col-reader.js';

/** Training and validation indices into the item list. */
export type Splits = [train: number[], valid: number[]];

/** A function that splits items into training and validation indices. */
export type Splitter<I = unknown> = (items: readonly I[]) => Splits;

function named<I>(fn: Splitter<I>, name: string): Splitter<I> {
  return Object.defineProperty(fn, 'name', { value: name });
}

/** Options for {@link RandomSplitter}. */
export interface RandomSplitterOptions {
  /** Fraction of the items for validation. Default 0.2. */
  validPct?: number;
  /** Seeds the engine's global generator first (`torch.manualSeed`), as fastai does. Default: none (uses the generator's current state). */
  seed?: number;
}

/**
 * A random split, exactly as fastai: seeds the engine's generator with `seed` (when given),
 * draws `torch.randperm(n)`, and takes the first `floor(validPct * n)` indices for
 * validation and the rest, in permutation order, for training. The same seed and item order
 * give the same split as fastai (seed 42 on 370 items: 296 / 74).
 *
 * Note: like fastai, seeding re-seeds the global generator, which model initialisation uses too.
 */
export function RandomSplitter<I = unknown>(options: RandomSplitterOptions = {}): Splitter<I> {
  const { validPct = 0.2, seed } = options;
  if (!(validPct >= 0 && validPct < 1)) throw new RangeError(`RandomSplitter: validPct must be in [0, 1), got ${validPct}`);
  return named((items: readonly I[]) => {
    if (seed !== undefined) torch.manualSeed(seed);
    const perm = torch.randperm(items.length);
    const order = Array.from(perm.toTypedArray() as BigInt64Array, Number);
    perm.dispose();
    const cut = Math.floor(validPct * items.length);
    return [order.slice(cut), order.slice(0, cut)];
  }, `RandomSplitter(validPct=${validPct}${seed === undefined ? '' : `, seed=${seed}`})`);
}

/** Options for {@link GrandparentSplitter}. */
export interface GrandparentSplitterOptions {
  /** Grandparent folder name of training files. Default 'train'. */
  trainName?: string;
  /** Grandparent folder name of validation files. Default 'valid'. */
  validName?: string;
}

/**
 * Splits file paths on their grandparent folder (`train/dog/1.jpg` vs `valid/dog/2.jpg`).
 * Files under neither are left out of both sets.
 */
export function GrandparentSplitter(options: GrandparentSplitterOptions = {}): Splitter<unknown> {
  const { trainName = 'train', validName = 'valid' } = options;
  return named((items: readonly unknown[]) => {
    const train: number[] = [];
    const valid: number[] = [];
    items.forEach((item, i) => {
      const gp = basename(dirname(dirname(String(item).replace(/\\/g, '/'))));
      if (gp === trainName) train.push(i);
      else if (gp === validName) valid.push(i);
    });
    if (train.length === 0 || valid.length === 0) {
      const which = train.length === 0 ? trainName : validName;
      throw new Error(
        `GrandparentSplitter: no item sits in a '${which}/<label>/' folder (e.g. ${JSON.stringify(String(items[0]))}); ` +
          'pass trainName/validName matching your folders, or use RandomSplitter',
      );
    }
    return [train, valid];
  }, `GrandparentSplitter(trainName='${trainName}', validName='${validName}')`);
}

/** Puts the items at `validIdx` in validation and the rest in training. */
export function IndexSplitter(validIdx: readonly number[]): Splitter<unknown> {
  return named((items: readonly unknown[]) => {
    const valid = new Set(validIdx);
    for (const i of valid) {
      if (!Number.isInteger(i) || i < 0 || i >= items.length) throw new RangeError(`IndexSplitter: index ${i} is outside the ${items.length} items`);
    }
    const train = items.map((_, i) => i).filter((i) => !valid.has(i));
    return [train, [...validIdx]];
  }, `IndexSplitter(${validIdx.length} indices)`);
}

/** Puts the items for which `fn` returns true in validation. */
export function FuncSplitter<I = unknown>(fn: (item: I) => boolean): Splitter<I> {
  return named((items: readonly I[]) => {
    const train: number[] = [];
    const valid: number[] = [];
    items.forEach((item, i) => (fn(item) ? valid : train).push(i));
    return [train, valid];
  }, `FuncSplitter(${fn.name || 'fn'})`);
}

function truthy(v: unknown, col: string | number): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  const s = String(v).trim().toLowerCase();
  if (['true', '1', 'yes', 't', 'y'].includes(s)) return true;
  if (['false', '0', 'no', 'f', 'n', ''].includes(s)) return false;
  throw new Error(`ColSplitter: column '${col}' holds '${String(v)}', which is not a boolean; use true/false or 1/0`);
}

/** Puts the rows whose column `col` is true (`true`, `1`, `yes`) in validation. Default column 'is_valid'. */
export function ColSplitter(col: string | number = 'is_valid'): Splitter<unknown> {
  return named((items: readonly unknown[]) => {
    const train: number[] = [];
    const valid: number[] = [];
    items.forEach((row, i) => (truthy(readColumn(row, col, 'ColSplitter'), col) ? valid : train).push(i));
    return [train, valid];
  }, `ColSplitter('${col}')`);
}
