/**
 * The chapter's pets DataBlock over ../shared/data/pets, shared by the tests that train or
 * interpret on it: labels from the file name, a seeded 20% split, and the given presizing.
 */
import { type BatchTransform, CategoryBlock, DataBlock, getImageFiles, ImageBlock, RandomSplitter, RegexLabeller, Resize, usingAttr } from '../src/index.js';

/** Resize(itemSize) per item, then `batchTfms` (default none) per batch. */
export function petsBlock(itemSize: number, batchTfms: readonly BatchTransform[] = []): DataBlock<string> {
  return new DataBlock({
    blocks: [ImageBlock(), CategoryBlock()],
    getItems: getImageFiles,
    splitter: RandomSplitter({ seed: 42 }),
    getY: usingAttr(RegexLabeller(/^(.+)_\d+\.jpg$/), 'name'), // "great_pyrenees_12.jpg" -> "great_pyrenees"
    itemTfms: Resize(itemSize),
    batchTfms: [...batchTfms],
  });
}
