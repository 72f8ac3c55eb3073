/**
 * `fastai-ts demo [which]`: `mnist` (the default) trains a small CNN from scratch on
 * handwritten digits shipped with fastai-ts, with no network and no data of the user's;
 * `pets` runs fastbook chapter 5 on the full Oxford-IIIT Pet dataset (downloads it).
 * @module
 */
import { type Command, Option } from 'commander';
import { runMnistDemo } from '../demo/run.js';
import { runPetsDemo } from '../demo/pets.js';
import { CliError } from '../errors.js';
import { intAtLeast } from '../flags.js';

/** The demos by name. */
export const DEMOS = ['mnist', 'pets'] as const;

/** The flags of `demo`. */
export interface DemoFlags {
  out?: string;
  /** A file, or false with --no-report (default: under the cache folder). */
  report?: string | false;
  epochs?: number;
  seed: number;
  url?: string;
  quiet?: boolean;
}

/** Adds `demo [which]` to `program`. */
export function define(program: Command): Command {
  const cmd = program
    .command('demo')
    .description('run fastai\'s workflow end to end: "mnist" (default) offline on digits that ship with fastai-ts; "pets" the book\'s chapter (downloads)')
    .argument('[which]', `the demo: ${DEMOS.join(' or ')}`, 'mnist')
    .addOption(new Option('--out <file>', 'where the exported learner goes (default: under $FASTAI_TS_HOME/demo)'))
    .addOption(new Option('--report <file>', 'where the HTML training report goes (default: under $FASTAI_TS_HOME/demo)'))
    .addOption(new Option('--no-report', 'write no report'))
    .addOption(new Option('--epochs <n>', 'epochs of training (mnist: fitOneCycle, default 8; pets: fineTune, default 2)').argParser(intAtLeast(1)))
    .addOption(new Option('--seed <n>', 'seeds the digits chosen, the split, the shuffles and the new weights').default(42).argParser(intAtLeast(0)))
    .addOption(new Option('--url <url>', 'pets: where to download the dataset archive (default: fastai\'s URLs.PETS)'));
  // The program's global --quiet serves when it has one; a program without it gets the demo's own.
  if (!program.options.some((o) => o.long === '--quiet')) cmd.option('--quiet', 'print only the results and where the files went');
  return cmd
    .addHelpText('after', `
The mnist demo writes the digits as PNG files (once), shows DataBlock.summary, trains
'simple_cnn' from scratch (lrFind, then fitOneCycle) printing the epoch table, exports the model,
writes the report and predicts digits kept out of training. Files go under $FASTAI_TS_HOME
(default ~/.cache/fastai-ts); the paths are printed at the end. Ctrl-C stops after the current
batch and still exports.

Examples:
  fastai-ts demo
  fastai-ts demo --epochs 3 --out digits.safetensors --report digits.html
  fastai-ts demo pets`)
    .action(async (which: string, _opts: unknown, self: Command) => {
      process.exitCode = await demo(which, self.optsWithGlobals() as DemoFlags);
    });
}

/** Runs demo `which` with `flags`; returns the exit code (0, or 130 when Ctrl-C stopped training). */
export async function demo(which: string, flags: DemoFlags): Promise<number> {
  if (!(DEMOS as readonly string[]).includes(which)) throw new CliError(`unknown demo '${which}'; known: ${DEMOS.join(', ')}`);
  const report = flags.report;
  const common = {
    ...(flags.out === undefined ? {} : { out: flags.out }),
    ...(report === undefined ? {} : { report }),
    ...(flags.epochs === undefined ? {} : { epochs: flags.epochs }),
    seed: flags.seed,
    quiet: flags.quiet ?? false,
  };
  if (which === 'pets') return runPetsDemo({ ...common, ...(flags.url === undefined ? {} : { url: flags.url }) });
  if (flags.url !== undefined) throw new CliError('--url is for the pets demo (the mnist demo downloads nothing)');
  return (await runMnistDemo(common)).stopped ? 130 : 0;
}
