/**
 * `fastai-ts lr-find <folder>`: fastai's learning-rate finder on the data and model the flags
 * describe; prints the suggestions and writes the plot. Nothing is learnt (weights are restored).
 * @module
 */
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { plotLrFind, setSeed } from '../../index.js';
import { addDataFlags, addModelFlags, type DataFlags, flagsOf, type GlobalFlags, intAtLeast, type ModelFlags, type RecipeFlags } from '../flags.js';
import { interruptSignal } from '../interrupt.js';
import { dataLoaders, labelling, learnerFor } from '../setup.js';
import { findLr } from './train.js';

type LrFindFlags = DataFlags & ModelFlags & Pick<RecipeFlags, 'bf16' | 'fp16' | 'channelsLast'> & GlobalFlags & { out: string; numIt: number };

export function define(program: Command): Command {
  const cmd = program
    .command('lr-find')
    .description("run the learning-rate finder: print fastai's suggestions (minimum/10, steep, valley, slide) and plot the curve")
    .argument('<folder>', 'the folder of images');
  addDataFlags(cmd);
  addModelFlags(cmd);
  return cmd
    .addOption(new Option('--bf16', 'in bfloat16 mixed precision, as training would run'))
    .addOption(new Option('--fp16', 'in float16 mixed precision (GPUs)'))
    .addOption(new Option('--channels-last', 'channels-last memory format'))
    .addOption(new Option('--num-it <n>', 'batches to train with a growing learning rate').default(100).argParser(intAtLeast(10)))
    .addOption(new Option('--out <file>', 'the plot (.png or .svg)').default('lr_find.png'))
    .action(async (folder: string, _o: unknown, self: Command) => {
      const flags = flagsOf<LrFindFlags>(self);
      const lab = labelling(folder, flags);
      setSeed(flags.seed);
      const dls = await dataLoaders(lab, flags);
      const learn = await learnerFor(dls, { ...flags, quiet: true }, process.cwd());
      const stop = interruptSignal('the learning-rate finder');
      stop.signal.addEventListener('abort', () => learn.stop());
      try {
        const { found } = await findLr(learn, (l) => console.log(l), flags.numIt);
        const file = resolve(flags.out);
        await plotLrFind(found, { file });
        console.log(`plot: ${file}`);
        return;
      } finally {
        stop.dispose();
      }
    });
}
