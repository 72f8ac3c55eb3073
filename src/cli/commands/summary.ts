/**
 * `fastai-ts summary <folder>`: `DataBlock.summary` for the flags' labelling, split and
 * transforms: every step of building one sample and one batch, and exactly where it fails.
 * @module
 */
import { type Command, Option } from 'commander';
import { addDataFlags, type DataFlags, flagsOf, intAtLeast } from '../flags.js';
import { CliError } from '../errors.js';
import { dataBlock, labelling } from '../setup.js';

export function define(program: Command): Command {
  const cmd = program
    .command('summary')
    .description('show how one sample and one batch are built from the folder, step by step (DataBlock.summary)')
    .argument('<folder>', 'the folder of images');
  addDataFlags(cmd, { batch: false });
  return cmd
    .addOption(new Option('--bs <n>', 'samples in the batch built').default(4).argParser(intAtLeast(1)))
    .action(async (folder: string, _o: unknown, self: Command) => {
      const flags = flagsOf<DataFlags>(self);
      const lab = labelling(folder, flags);
      try {
        await dataBlock(lab, flags).summary(lab.source, { bs: flags.bs, seed: flags.seed });
      } catch (e) {
        // summary printed the failing step and its input above; the one-line error says which.
        throw new CliError(`the pipeline failed (the step is shown above): ${(e as Error).message.split('\n')[0]}`, { cause: e });
      }
    });
}
