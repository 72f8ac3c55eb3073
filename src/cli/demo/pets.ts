/**
 * `fastai-ts demo pets`: fastbook's chapter on the full Oxford-IIIT Pet dataset, as the book
 * runs it: untarData, regex labels, presizing, a pretrained ResNet-34 and `fineTune`. It needs
 * the network (the 800 MB dataset and the ResNet-34 weights are downloaded once into the
 * cache); without it, it fails at once with one line saying what to do instead.
 * @module
 */
import { join, resolve } from 'node:path';
import { cachePath } from '../../core/home.js';
import { untarData, URLs } from '../../data/index.js';
import { fetchWeights } from '../../vision/index.js';
import { train } from '../commands/train.js';
import { CliError, oneLine } from '../errors.js';

/** Options for {@link runPetsDemo}, with the chapter's defaults. */
export interface PetsDemoOptions {
  /** The exported learner. Default `$FASTAI_TS_HOME/demo/pets.safetensors`. */
  out?: string;
  /** The HTML training report; false for none. Default `$FASTAI_TS_HOME/demo/pets-report.html`. */
  report?: string | false;
  /** Unfrozen epochs of fineTune (after one frozen epoch). Default 2, as the chapter. */
  epochs?: number;
  /** Seeds the split, the shuffles, the augmentations and the head. Default 42. */
  seed?: number;
  /** Print only the results and where the files went. Default false. */
  quiet?: boolean;
  /** Where the dataset archive comes from. Default fastai's `URLs.PETS`. */
  url?: string;
  /** Give up a download after this long without data, in ms. Default 60000. */
  timeoutMs?: number;
  /** Where the download step's lines go (training prints as `fastai-ts train`). Default process.stdout. */
  stream?: NodeJS.WritableStream;
}

/** The one line the pets demo fails with when a download does. */
export function offlineMessage(what: string, e: unknown): string {
  return (
    `the pets demo needs the network to download ${what} (${oneLine(e)}). ` +
    'Connect to the network and run it again; or run `fastai-ts demo` for the offline demo (no network, no data of yours); ' +
    'or run the chapter on local data with `npm run pets -- --data <folder> --weights <folder>`'
  );
}

/**
 * Runs fastbook chapter 5's recipe on the full Oxford-IIIT Pet dataset: downloads it and the
 * ResNet-34 weights (once), then trains exactly as `fastai-ts train <images> --label-re
 * '^(.+)_\d+\.jpg$' --arch resnet34` would (Resize(460), augTransforms to 224, fineTune), exports
 * and writes the report. A failed download throws a {@link CliError} saying what to do instead.
 * Returns the exit code (0, or 130 when Ctrl-C stopped training).
 */
export async function runPetsDemo(options: PetsDemoOptions = {}): Promise<number> {
  const stream = options.stream ?? process.stdout;
  const quiet = options.quiet ?? false;
  const say = (line: string) => {
    if (!quiet) stream.write(`${line}\n`);
  };
  say('untarData(URLs.PETS) and the ResNet-34 weights: downloaded once into the cache');
  let path: string;
  try {
    path = await untarData(options.url ?? URLs.PETS, { quiet, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) });
  } catch (e) {
    throw new CliError(offlineMessage('the Oxford-IIIT Pet dataset', e), { cause: e });
  }
  try {
    await fetchWeights('resnet34', { quiet });
  } catch (e) {
    throw new CliError(offlineMessage('the ResNet-34 weights', e), { cause: e });
  }
  const images = join(path, 'images');
  const epochs = options.epochs ?? 2;
  const seed = options.seed ?? 42;
  const out = resolve(options.out ?? join(cachePath('demo'), 'pets.safetensors'));
  const report = options.report === false ? undefined : resolve(options.report ?? join(cachePath('demo'), 'pets-report.html'));
  // The chapter is `fastai-ts train` with the book's flags: one recipe, not two.
  const argv = ['train', images, '--label-re', '^(.+)_\\d+\\.jpg$', '--arch', 'resnet34', '--epochs', String(epochs), '--seed', String(seed), '--out', out, ...(report ? ['--report', report] : [])];
  say(`the chapter: fastai-ts ${argv.join(' ')}`);
  return train(images, {
    labelRe: '^(.+)_\\d+\\.jpg$', fnCol: '0', labelCol: '1', validPct: 0.2, trainFolder: 'train', seed,
    itemSize: 460, size: 224, minScale: 0.75, bs: 64, arch: 'resnet34', pretrained: true, epochs, freezeEpochs: 1,
    out, ...(report ? { report } : {}), quiet,
  }, argv);
}
