/**
 * Prints a digest of the first training and validation epochs of the determinism recipe for
 * the folder given as argument: determinism.test.ts runs it in a fresh process to check that
 * runs (not only loaders in one process) repeat.
 */
import { createHash } from 'node:crypto';
import { torch } from '../../src/index.js';
import { CategoryBlock, DataBlock, type DataLoader, getImageFiles, parentLabel, RandomSplitter } from '../../src/data/index.js';
import { augTransforms, ImageBlock, Resize } from '../../src/vision/index.js';

export function recipe(): DataBlock<string> {
  return new DataBlock<string>({
    blocks: [ImageBlock(), CategoryBlock()],
    getItems: getImageFiles,
    getY: parentLabel,
    splitter: RandomSplitter({ seed: 3 }),
    itemTfms: Resize(24),
    batchTfms: augTransforms({ size: 16, minScale: 0.75 }),
  });
}

/** sha256 over every tensor of one epoch of each loader. */
export async function digest(root: string, seed: number): Promise<string> {
  const dls = await recipe().dataloaders(root, { bs: 4, seed, device: 'cpu' });
  const hash = createHash('sha256');
  for (const dl of [dls.train, dls.valid] as DataLoader[]) {
    for await (const batch of dl) {
      for (const t of batch) hash.update(Buffer.from(t.contiguous().toTypedArray().buffer));
      torch.dispose(batch);
    }
  }
  return hash.digest('hex');
}

if (process.argv[1]?.endsWith('epoch-digest.ts')) console.log(await digest(process.argv[2]!, Number(process.argv[3])));
