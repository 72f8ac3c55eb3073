/**
 * `fastai-ts train <folder>`: the chapter's recipe from the command line. Labels and splits the
 * images as the flags say, builds a vision learner, optionally runs lrFind, trains (fineTune
 * when pretrained, fitOneCycle from scratch) printing the epoch table, then exports the model
 * and writes the report. Ctrl-C stops after the current batch and still writes both. Started as
 * one rank of several (`RANK` and `WORLD_SIZE` > 1 in the environment, as `fastai-ts launch`
 * and torchrun set them), it trains data-parallel (`learn.toDistributed()`): every rank runs
 * the same command, and only rank 0 prints, exports and writes the report.
 * @module
 */
import { dirname, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { type Learner, type LrFindResult, minimum, rankDistrib, setSeed, slide, steep, torch, valley } from '../../index.js';
import { addDataFlags, addModelFlags, addRecipeFlags, type DataFlags, flagsOf, type GlobalFlags, type ModelFlags, type RecipeFlags } from '../flags.js';
import { interruptSignal } from '../interrupt.js';
import { checkArch, dataLoaders, labelling, launchedAsRank, learnerFor, recipeText } from '../setup.js';

/** The flags of `train`. */
export type TrainFlags = DataFlags & ModelFlags & RecipeFlags & GlobalFlags & { out: string; report?: string };

export function define(program: Command): Command {
  const cmd = program
    .command('train')
    .description('train an image classifier on a folder of images, printing the epoch table, and export it')
    .argument('<folder>', 'the folder of images (searched recursively)');
  addDataFlags(cmd);
  addModelFlags(cmd);
  addRecipeFlags(cmd);
  return cmd
    .addOption(new Option('--out <file>', 'where the exported learner goes (for predict and interpret)').default('model.safetensors'))
    .addOption(new Option('--report <file>', 'also write an HTML training report (one self-contained page)'))
    .addHelpText('after', `
Pretrained networks are fine-tuned (fineTune: --freeze-epochs with the body frozen, then --epochs
unfrozen); with --no-pretrained every layer trains with fitOneCycle for --epochs.

Examples:
  fastai-ts train ~/pets --label-re '^(.+)_\\d+\\.jpg$' --epochs 4 --report report.html
  fastai-ts train ~/photos --label-parent --valid-folder valid --arch resnet18 --lr find
  fastai-ts train ~/data --csv labels.csv --fn-col file --label-col label --no-pretrained`)
    .action(async (folder: string, _opts: unknown, self: Command) => {
      process.exitCode = await train(folder, flagsOf<TrainFlags>(self), process.argv.slice(2));
    });
}

/** lrFind's result with fastai's four suggestions. */
export type Found = LrFindResult<'minimum' | 'steep' | 'valley' | 'slide'>;

/** Prints lrFind's suggestions and returns the one to use (valley, as fastai's default). */
export async function findLr(learn: Learner, say: (line: string) => void, numIt = 100): Promise<{ lr: number; found: Found }> {
  say('lrFind: training briefly with a growing learning rate (weights are restored after)...');
  const found = await learn.lrFind({ suggestFuncs: [minimum, steep, valley, slide], numIt });
  say(`lrFind suggestions: minimum/10 ${found.minimum.toExponential(2)}, steep ${found.steep.toExponential(2)}, valley ${found.valley.toExponential(2)}, slide ${found.slide.toExponential(2)}; using valley`);
  return { lr: found.valley, found };
}

/** `arg` as a POSIX shell would need it written (the report shows a command that can be pasted). */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}

/** Runs `train`; returns the exit code (0, or 130 when Ctrl-C stopped it). */
export async function train(folder: string, flags: TrainFlags, argv: readonly string[] = []): Promise<number> {
  // One voice in a distributed run: rank 0's ($RANK before the group exists).
  const say = (line: string) => {
    if (!flags.quiet && rankDistrib() === 0) console.log(line);
  };
  const out = resolve(flags.out);
  checkArch(flags.arch); // before the (slow) data
  const lab = labelling(folder, flags);
  setSeed(flags.seed); // before the loaders and the model: the same flags give the same run
  const dls = await dataLoaders(lab, flags);
  say(`${lab.nItems} images, ${dls.c} classes; ${dls.trainDs.length} train / ${dls.validDs.length} valid (${lab.split}); labels: ${lab.labels}`);
  const learn = await learnerFor(dls, flags, dirname(out));
  const distributed = launchedAsRank();
  if (distributed) learn.toDistributed(); // joins the group as the first fit starts
  const stop = interruptSignal('training');
  const onAbort = () => learn.stop();
  stop.signal.addEventListener('abort', onAbort);
  try {
    let lr = flags.lr === 'find' ? undefined : flags.lr;
    let found: Found | undefined;
    if (flags.lr === 'find') {
      try {
        ({ lr, found } = await findLr(learn, say));
      } catch (e) {
        if (!stop.signal.aborted) throw e;
      }
    }
    if (stop.signal.aborted) {
      console.error('fastai-ts: stopped before training started; nothing was written');
      return 130;
    }
    const recipe = recipeText(flags, lr);
    say(`training ${flags.arch}${flags.pretrained ? ' (pretrained)' : ' (from scratch)'}: ${recipe}`);
    if (flags.pretrained) await learn.fineTune(flags.epochs, lr ?? 2e-3, { freezeEpochs: flags.freezeEpochs, signal: stop.signal });
    else await learn.fitOneCycle(flags.epochs, lr, { signal: stop.signal });
    const stopped = stop.signal.aborted;
    const file = learn.export(out);
    const history = learn.recorder.values;
    const last = history.length ? learn.recorder.value('error_rate') : NaN;
    say(`${stopped ? 'stopped by Ctrl-C; the model as it was' : 'done'}${Number.isNaN(last) ? '' : ` (error_rate ${last.toFixed(4)})`}: exported to ${file}`);
    if (flags.report) {
      const report = await learn.report(resolve(flags.report), {
        settings: {
          command: ['fastai-ts', ...argv].map(shellQuote).join(' '), labels: lab.labels, split: lab.split, seed: flags.seed,
          pretrained: flags.pretrained ? `yes (${flags.weights ?? 'the registered weights'})` : 'no (random initialisation)',
          recipe,
          ...(found ? { 'lr': `${lr!.toExponential(2)} (lrFind's valley)` } : {}),
        },
        exportPath: file,
        ...(found ? { lrFind: found } : {}),
        notes: stopped ? ['Training was stopped by Ctrl-C after the current batch; the export and this report show the model at that point.'] : [],
      });
      say(`report: ${report}`);
    }
    return stopped ? 130 : 0;
  } finally {
    stop.signal.removeEventListener('abort', onAbort);
    stop.dispose();
    if (distributed) await torch.distributed.destroyProcessGroup();
  }
}
