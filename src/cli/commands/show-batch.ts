/**
 * `fastai-ts show-batch <folder>`: a grid of training images as the network sees them (after
 * presizing and augmentation), with their labels.
 * @module
 */
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { setSeed } from '../../index.js';
import { addDataFlags, type DataFlags, flagsOf, intAtLeast } from '../flags.js';
import { dataLoaders, labelling } from '../setup.js';

export function define(program: Command): Command {
  const cmd = program
    .command('show-batch')
    .description('draw a batch of training images with their labels, after augmentation, to a PNG')
    .argument('<folder>', 'the folder of images');
  addDataFlags(cmd);
  return cmd
    .addOption(new Option('--nrows <n>', 'rows of the grid').default(3).argParser(intAtLeast(1)))
    .addOption(new Option('--ncols <n>', 'columns of the grid').default(3).argParser(intAtLeast(1)))
    .addOption(new Option('--out <file>', 'the picture (.png or .svg)').default('batch.png'))
    .action(async (folder: string, _o: unknown, self: Command) => {
      const flags = flagsOf<DataFlags & { out: string; nrows: number; ncols: number }>(self);
      const lab = labelling(folder, flags);
      setSeed(flags.seed);
      const dls = await dataLoaders(lab, flags);
      const file = resolve(flags.out);
      await dls.showBatch({ file, nrows: flags.nrows, ncols: flags.ncols });
      console.log(`a batch of training images as the network sees them: ${file}`);
    });
}
