/**
 * `fastai-ts interpret <model> <folder>`: what an exported model gets wrong on its validation
 * set. The split is rebuilt from the same labelling and split flags (and seed) as `train`, so
 * it is the split the model was validated on; the transforms come from the export itself.
 * Prints the error rate, `mostConfused` and the classification report; writes the confusion
 * matrix (and, on request, the top losses).
 * @module
 */
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { ClassificationInterpretation, Learner, loadLearner, pipelineFromSpec, readExportMeta } from '../../index.js';
import { CliError } from '../errors.js';
import { addDataFlags, type DataFlags, flagsOf, intAtLeast } from '../flags.js';
import { checkFile, dataLoaders, labelling } from '../setup.js';

type InterpretFlags = DataFlags & { out: string; topLosses?: string; k: number; minVal: number };

export function define(program: Command): Command {
  const cmd = program
    .command('interpret')
    .description("what an exported model gets wrong on its validation split: most confused classes, the classification report, the confusion matrix")
    .argument('<model>', 'the exported learner (fastai-ts train --out)')
    .argument('<folder>', 'the folder of images it was trained on');
  addDataFlags(cmd, { presize: false });
  return cmd
    .addOption(new Option('--out <file>', 'the confusion matrix (.png or .svg)').default('confusion.png'))
    .addOption(new Option('--top-losses <file>', 'also draw the images with the largest losses'))
    .addOption(new Option('--k <n>', 'images in the top-losses grid').default(9).argParser(intAtLeast(1)))
    .addOption(new Option('--min-val <n>', 'list class pairs confused at least this often').default(1).argParser(intAtLeast(1)))
    .addHelpText('after', `
Pass the same labelling and split flags (and --seed) as to train, e.g.
  fastai-ts interpret model.safetensors ~/pets --label-re '^(.+)_\\d+\\.jpg$'`)
    .action(async (model: string, folder: string, _o: unknown, self: Command) => {
      const flags = flagsOf<InterpretFlags>(self);
      const file = checkFile(model, 'the model file');
      const meta = readExportMeta(file);
      const lab = labelling(folder, flags);
      // The export's blocks (its vocab) and transforms, on the flags' items and split.
      const parts = pipelineFromSpec(meta.pipeline, 'interpret');
      let dls;
      try {
        dls = await dataLoaders(lab, flags, parts);
      } catch (e) {
        if (e instanceof CliError) throw e;
        throw new CliError(`the images do not fit the model's classes or transforms: ${(e as Error).message.split('\n')[0]}`, { cause: e });
      }
      const loaded = await loadLearner(file);
      const learn = new Learner(dls, loaded.model, { lossFunc: loaded.lossFunc, quiet: true });
      const interp = await ClassificationInterpretation.fromLearner(learn);
      const cm = interp.confusionMatrix();
      const total = cm.flat().reduce((a, b) => a + b, 0);
      const right = cm.reduce((a, row, i) => a + row[i]!, 0);
      console.log(`${total} validation images (${lab.split}); error rate ${((total - right) / total).toFixed(4)} (${total - right} wrong)`);
      const pairs = interp.mostConfused(flags.minVal);
      console.log(pairs.length ? 'most confused (actual -> predicted: count):' : `no class pair is confused ${flags.minVal} time(s) or more`);
      for (const [actual, predicted, n] of pairs) console.log(`  ${actual} -> ${predicted}: ${n}`);
      console.log('');
      interp.printClassificationReport();
      const out = resolve(flags.out);
      await interp.plotConfusionMatrix({ file: out });
      console.log(`\nconfusion matrix: ${out}`);
      if (flags.topLosses) {
        const tl = resolve(flags.topLosses);
        await interp.plotTopLosses(flags.k, { file: tl });
        console.log(`top losses: ${tl}`);
      }
    });
}
