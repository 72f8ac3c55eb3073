/**
 * The flags the commands share, defined once: how the images are labelled and split (data),
 * which network (model), and how it trains (recipe). A command adds the groups it needs, so
 * `train`, `lr-find`, `summary`, `show-batch` and `interpret` read the same flags the same way.
 * Only commander is imported here: `fastai-ts --help` does not load the engine.
 * @module
 */
import { type Command, InvalidArgumentError, Option } from 'commander';

/** How the images are labelled and split, and the batch they make (see {@link addDataFlags}). */
export interface DataFlags {
  labelRe?: string;
  labelParent?: boolean;
  csv?: string;
  fnCol: string;
  labelCol: string;
  validPct: number;
  validFolder?: string;
  trainFolder: string;
  seed: number;
  itemSize: number;
  size: number;
  minScale: number;
  bs: number;
}

/** The network (see {@link addModelFlags}). */
export interface ModelFlags {
  arch: string;
  weights?: string;
  pretrained: boolean;
}

/** How it trains (see {@link addRecipeFlags}). */
export interface RecipeFlags {
  epochs: number;
  freezeEpochs: number;
  /** A learning rate, 'find', or undefined for the recipe's default. */
  lr?: number | 'find';
  bf16?: boolean;
  fp16?: boolean;
  channelsLast?: boolean;
  earlyStop?: number;
}

/** Flags every command takes (on the program itself). */
export interface GlobalFlags {
  verbose?: boolean;
  quiet?: boolean;
}

function parseWith<T>(what: string, parse: (s: string) => T | undefined): (value: string) => T {
  return (value: string) => {
    const v = parse(value);
    if (v === undefined) throw new InvalidArgumentError(`'${value}' is not ${what}.`);
    return v;
  };
}

/** An integer >= `min`. */
export const intAtLeast = (min: number) =>
  parseWith(min > 0 ? `a whole number >= ${min}` : 'a whole number >= 0', (s) => (/^\d+$/.test(s.trim()) && Number(s) >= min ? Number(s) : undefined));

/** A number in (0, 1] (or [0, 1) for `validPct`). */
const fraction = (lowOpen: boolean) =>
  parseWith(lowOpen ? 'a number in (0, 1]' : 'a number in [0, 1)', (s) => {
    const v = Number(s);
    if (s.trim() === '' || !Number.isFinite(v)) return undefined;
    return (lowOpen ? v > 0 && v <= 1 : v >= 0 && v < 1) ? v : undefined;
  });

/** A learning rate (a positive number such as 1e-3) or 'find'. */
export const parseLr = parseWith("a learning rate (a positive number such as 1e-3) or 'find'", (s): number | 'find' | undefined => {
  if (s.trim().toLowerCase() === 'find') return 'find';
  const v = Number(s);
  return s.trim() !== '' && Number.isFinite(v) && v > 0 ? v : undefined;
});

/**
 * Labelling (`--label-re`, `--label-parent`, `--csv`), split (`--valid-pct`, `--seed`,
 * `--valid-folder`), presizing (`--item-size`, `--size`, `--min-scale`) and `--bs`, with the
 * chapter's defaults.
 */
export function addDataFlags(cmd: Command, options: { batch?: boolean; presize?: boolean } = {}): Command {
  cmd
    .addOption(new Option('--label-re <regex>', "label = the regex's first group on each file name, e.g. '^(.+)_\\d+\\.jpg$'"))
    .addOption(new Option('--label-parent', 'label = the name of the folder each image is in').conflicts(['labelRe', 'csv']))
    .addOption(new Option('--csv <file>', 'labels from a CSV (relative to the folder, or absolute): file names in --fn-col, labels in --label-col').conflicts(['labelRe']))
    .addOption(new Option('--fn-col <col>', 'CSV column of the image file names (a header name or a 0-based index)').default('0'))
    .addOption(new Option('--label-col <col>', 'CSV column of the labels (a header name or a 0-based index)').default('1'))
    .addOption(new Option('--valid-pct <fraction>', 'fraction of the images held out for validation (random split)').default(0.2).argParser(fraction(false)))
    .addOption(new Option('--valid-folder <name>', "split by folder instead: images under <folder>/<name>/ validate, under <folder>/<train-folder>/ train"))
    .addOption(new Option('--train-folder <name>', 'the training folder when splitting by folder').default('train'))
    .addOption(new Option('--seed <n>', 'seeds the split, the shuffles, the augmentations and the new weights').default(42).argParser(intAtLeast(0)));
  if (options.presize !== false) {
    cmd
      .addOption(new Option('--item-size <px>', 'presizing: each image is resized (centre crop) to this on the CPU').default(460).argParser(intAtLeast(8)))
      .addOption(new Option('--size <px>', 'the size the network sees, after the per-batch random-resized crop and augmentation').default(224).argParser(intAtLeast(8)))
      .addOption(new Option('--min-scale <fraction>', 'the smallest share of the image the random crop keeps').default(0.75).argParser(fraction(true)));
  }
  if (options.batch !== false) cmd.addOption(new Option('--bs <n>', 'batch size').default(64).argParser(intAtLeast(1)));
  return cmd;
}

/** `--arch`, `--weights`, `--no-pretrained`. */
export function addModelFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option('--arch <name>', 'the architecture (fastai-ts info lists them)').default('resnet34'))
    .addOption(new Option('--weights <file|url>', 'pretrained weights: a .safetensors file, a folder holding the registered file, or a URL (default: the registered download, cached)'))
    .addOption(new Option('--no-pretrained', 'start from random weights (trains every layer with fitOneCycle instead of fineTune)'));
}

/** `--epochs`, `--freeze-epochs`, `--lr`, precision, `--channels-last`, `--early-stop`. */
export function addRecipeFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option('--epochs <n>', 'epochs (unfrozen epochs with fineTune)').default(2).argParser(intAtLeast(1)))
    .addOption(new Option('--freeze-epochs <n>', 'fineTune: epochs training only the new head first').default(1).argParser(intAtLeast(0)))
    .addOption(new Option('--lr <n|find>', "learning rate, or 'find' to run lrFind and use its valley suggestion (default: fineTune's 2e-3, fitOneCycle's 1e-3)").argParser(parseLr))
    .addOption(new Option('--bf16', 'mixed precision in bfloat16 (fast on CPUs with AVX512-BF16/AMX and on GPUs)').conflicts('fp16'))
    .addOption(new Option('--fp16', 'mixed precision in float16 with a loss scaler (GPUs; bfloat16 on the CPU)'))
    .addOption(new Option('--channels-last', 'channels-last memory format (faster convolutions on CPUs)'))
    .addOption(new Option('--early-stop <patience>', 'stop after this many epochs without a lower valid_loss').argParser(intAtLeast(1)));
}

/** `--verbose` and `--quiet`, on the program (every command takes them). */
export function addGlobalFlags(program: Command): Command {
  return program
    .option('--verbose', 'show the stack trace of an error')
    .option('--quiet', 'print less (no epoch table or progress)');
}

/** The flags a command's action received, typed. */
export function flagsOf<T>(cmd: Command): T & GlobalFlags {
  return cmd.optsWithGlobals() as T & GlobalFlags;
}
