/**
 * `fastai-ts demo pets`: fastbook's chapter on the full Oxford-IIIT Pet dataset, as the book
 * runs it: untarData, regex labels, presizing, a pretrained ResNet-34 and `fineTune`. It needs
 * the network (the 800 MB dataset and the ResNet-34 weights are downloaded once into the
 * cache); without it, it fails at once with one line saying what to do instead.
 * @module
 */
import { dirname, join, resolve } from 'node:path';
import { cachePath } from '../../core/home.js';
import {
  CategoryBlock, DataBlock, getImageFiles, RandomSplitter, RegexLabeller, setSeed, untarData, URLs, usingAttr,
} from '../../data/index.js';
import { errorRate, type Learner, ProgressCallback, visionLearner } from '../../learner/index.js';
import { augTransforms, fetchWeights, ImageBlock, Resize } from '../../vision/index.js';
import { CliError, oneLine } from '../errors.js';
// Loading the report layer adds learn.report() to the Learner.
import '../../report/index.js';
import { interruptSignal } from '../interrupt.js';

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
  /** Stops training after the current batch (export and report still follow). Default: the first Ctrl-C. */
  signal?: AbortSignal;
  /** Where the lines and the epoch table go. Default process.stdout. */
  stream?: NodeJS.WritableStream;
}

/** What {@link runPetsDemo} did. */
export interface PetsDemoResult {
  errorRate: number;
  out: string;
  report?: string;
  stopped: boolean;
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
 * ResNet-34 weights (once), labels the photos by `/^(.+)_\d+\.jpg$/`, presizes (Resize(460),
 * then augTransforms to 224 per batch), fine-tunes a pretrained ResNet-34, exports it and writes
 * the report. A failed download throws a {@link CliError} saying what to do instead.
 */
export async function runPetsDemo(options: PetsDemoOptions = {}): Promise<PetsDemoResult> {
  const stream = options.stream ?? process.stdout;
  const log = (line: string) => void stream.write(`${line}\n`);
  const quiet = options.quiet ?? false;
  const say = (line: string) => {
    if (!quiet) log(line);
  };
  const seed = options.seed ?? 42;
  const epochs = options.epochs ?? 2;
  const out = resolve(options.out ?? join(cachePath('demo'), 'pets.safetensors'));
  const reportFile = options.report === false ? undefined : resolve(options.report ?? join(cachePath('demo'), 'pets-report.html'));

  say('[1/4] untarData(URLs.PETS) and the ResNet-34 weights: downloaded once into the cache');
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
  say(`dataset: ${images}`);

  say("[2/4] the chapter's DataBlock: labels from file names, presizing (Resize(460) per item, augTransforms to 224 per batch)");
  setSeed(seed);
  const pets = new DataBlock({
    blocks: [ImageBlock(), CategoryBlock()],
    getItems: getImageFiles,
    splitter: RandomSplitter({ seed }),
    getY: usingAttr(RegexLabeller(/^(.+)_\d+\.jpg$/), 'name'),
    itemTfms: Resize(460),
    batchTfms: augTransforms({ size: 224, minScale: 0.75 }),
  });
  const dls = await pets.dataloaders(images);
  say(`${dls.trainDs.length} training / ${dls.validDs.length} validation photos, ${dls.c} breeds`);

  say(`[3/4] visionLearner(dls, 'resnet34', { metrics: [errorRate] }), then learn.fineTune(${epochs})`);
  const learn: Learner = await visionLearner(dls, 'resnet34', {
    metrics: [errorRate], path: dirname(out), quiet: true, cbs: quiet ? [] : [new ProgressCallback({ stream })],
  });
  const stop = options.signal ? { signal: options.signal, dispose() {} } : interruptSignal('training');
  try {
    await learn.fineTune(epochs, 2e-3, { signal: stop.signal });
  } finally {
    stop.dispose();
  }
  const stopped = stop.signal.aborted;
  const err = learn.recorder.values.length ? learn.recorder.value('error_rate') : NaN;

  say('[4/4] learn.export() and learn.report()');
  const exported = learn.export(out);
  let report: string | undefined;
  if (reportFile) {
    report = await learn.report(reportFile, {
      title: 'fastai-ts demo pets: fastbook chapter 5',
      settings: {
        command: 'fastai-ts demo pets', data: images, labels: "RegexLabeller(/^(.+)_\\d+\\.jpg$/) on the file name",
        split: `RandomSplitter(validPct 0.2, seed ${seed})`, arch: 'resnet34 (pretrained)', recipe: `fineTune(${epochs}, 2e-3)`, seed,
        sizes: 'Resize(460) per item, augTransforms(size 224, minScale 0.75) per batch, bs 64',
      },
      exportPath: exported,
      notes: stopped ? ['Training was stopped by Ctrl-C after the current batch; the export and this report show the model at that point.'] : [],
    });
  }
  learn.opt?.dispose(); // the optimizer's state (Adam's moments) is not the model's
  learn.model.dispose();
  log(`${stopped ? 'Stopped early' : 'Done'}: validation error rate ${Number.isNaN(err) ? 'n/a' : `${(100 * err).toFixed(2)}%`}`);
  log(`  data:    ${path}`);
  log(`  model:   ${exported}   (fastai-ts predict ${exported} <photo.jpg>)`);
  if (report) log(`  report:  ${report}`);
  return { errorRate: err, out: exported, ...(report ? { report } : {}), stopped };
}
