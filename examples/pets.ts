/**
 * fastbook chapter 5 ("Image Classification", the Oxford-IIIT Pet breeds) step by step in
 * fastai-ts, in the chapter's order: explore the data, label with a regex, a DataBlock with
 * presizing, summary(), showBatch(), cross-entropy from softmax and the log-likelihood, the
 * learning-rate finder, fineTune, interpretation, unfreezing with discriminative learning
 * rates, plotLoss, and a deeper model in mixed precision. docs/chapter5.md maps each step to
 * the book.
 *
 *   npm run pets                  # offline: ../shared/data/pets (370 photos), MobileNet v1 0.25 then 0.75
 *   npm run pets -- --full        # the real chapter: untarData(URLs.PETS), resnet34 then resnet50 (downloads)
 *   npm run pets -- --quick       # a few seconds' worth of each step (tiny images, 1 epoch): the test runs this
 *   npm run pets -- --help        # every flag
 *
 * The chapter's ResNet-34 and ResNet-50 become, offline, the two MobileNet v1 widths whose
 * weights ship in ../shared/models: 0.25 stands for the smaller model and 0.75 for the deeper
 * one (MobileNet v1 1.0 has no weights there), so "a bigger model does better" still shows.
 */
import { existsSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  augTransforms, CategoryBlock, ClassificationInterpretation, CollateError, crossEntropy, DataBlock, type DataLoaders, errorRate, FileList, getImageFiles,
  ImageBlock, type Learner, loadLearner, logSoftmax, ls, minimum, nllLoss, plotLrFind, RandomSplitter, RegexLabeller, Resize, setPixelCacheLimit, setSeed, slice,
  softmax, spreadLrs, steep, torch, untarData, URLs, usingAttr, valley, visionLearner,
} from '../src/index.js';

const started = Date.now();
const SHARED = process.env.FASTAI_TS_SHARED ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared');

const USAGE = `Usage: npm run pets -- [options]

fastbook chapter 5 (pet breeds) step by step.

  --data <folder>        the pets photos (file names like great_pyrenees_173.jpg); default ${join(SHARED, 'data', 'pets')}
  --weights <folder|file> pretrained weights: a folder holding each architecture's weights file, or one file for
                         --arch (the deeper model then looks in that file's folder); default ${join(SHARED, 'models')}
                         (with --full: downloaded once and cached)
  --arch <name>          the first model; default mobilenet_v1_0.25 (--full: resnet34)
  --deep-arch <name>     the deeper model; default mobilenet_v1_0.75 (--full: resnet50)
  --precision <p>        the deeper model: auto (bf16 where the CPU has it natively, fp16 on a GPU, else fp32), bf16, fp32; default auto
  --out <folder>         where the PNGs and the export go; default a new temporary folder
  --full                 the real chapter: untarData(URLs.PETS) (7,390 photos, 800 MB), resnet34 / resnet50, Resize(460),
                         augTransforms(224), bs 64 (hours on a CPU)
  --quick                tiny images, 1 epoch per fit, lrFind over 10 batches, MobileNet v1 0.25 for both models
  --seed <n>             default 42
  --help                 this text`;

function fail(message: string): never {
  console.error(`pets: ${message}`);
  process.exit(1);
}

let args;
try {
  args = parseArgs({
    options: {
      data: { type: 'string' },
      weights: { type: 'string' },
      arch: { type: 'string' },
      'deep-arch': { type: 'string' },
      precision: { type: 'string', default: 'auto' },
      out: { type: 'string' },
      full: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      seed: { type: 'string', default: '42' },
      help: { type: 'boolean', default: false },
    },
  }).values;
} catch (e) {
  fail(`${(e as Error).message}; see --help`);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const { full, quick } = args;
if (full && quick) fail('--full and --quick do not go together; pick one');
const precision = args.precision;
if (!['auto', 'bf16', 'fp32'].includes(precision)) fail(`--precision must be auto, bf16 or fp32, got '${precision}'`);
const seed = Number(args.seed);
if (!Number.isInteger(seed)) fail(`--seed must be an integer, got '${args.seed}'`);

// The chapter's numbers (--full), the pets sample's (default: 288 px photos, 296 to train on,
// so a smaller batch keeps 18 steps an epoch), and a few seconds' worth (--quick).
const cfg = full
  ? { item: 460, size: 224, bs: 64, numIt: 100, fineTune: 2, frozen: 3, unfrozen: 12, deep: 6, deepFrozen: 3, minConfused: 5 }
  : quick
    ? { item: 48, size: 40, bs: 32, numIt: 10, fineTune: 1, frozen: 1, unfrozen: 1, deep: 1, deepFrozen: 1, minConfused: 1 }
    : { item: 192, size: 160, bs: 16, numIt: 100, fineTune: 2, frozen: 3, unfrozen: 12, deep: 6, deepFrozen: 3, minConfused: 2 };
const arch = args.arch ?? (full ? 'resnet34' : 'mobilenet_v1_0.25');
const deepArch = args['deep-arch'] ?? (full ? 'resnet50' : quick ? 'mobilenet_v1_0.25' : 'mobilenet_v1_0.75');
// Offline the weights come from ../shared/models; with --full the registry downloads them.
const weights = args.weights ?? (full ? undefined : join(SHARED, 'models'));
if (weights !== undefined && !existsSync(weights)) fail(`the weights ${resolve(weights)} do not exist; pass --weights <folder|file> (the MobileNet v1 safetensors), or --full to download resnet34/resnet50`);
const deepWeights = weights !== undefined && statSync(weights).isFile() ? dirname(weights) : weights;

// Offline the photos are a folder we have; --full downloads them in step 1, as the book does.
const dataArg = args.data === undefined ? (full ? undefined : join(SHARED, 'data', 'pets')) : args.data;
if (dataArg !== undefined && !existsSync(dataArg)) fail(`the pets folder ${resolve(dataArg)} does not exist; pass --data <folder of pets photos>, or --full to download the full dataset`);

const out = resolve(args.out ?? mkdtempSync(join(tmpdir(), 'fastai-ts-pets-')));
mkdirSync(out, { recursive: true });
console.log(`fastbook chapter 5 in fastai-ts (${full ? 'full dataset' : quick ? 'quick' : 'pets sample'}); files go to ${out}`);

let stepNo = 0;
/** Prints a step's heading: the test checks every one appears, in order. */
function step(title: string): void {
  console.log(`\n## ${++stepNo}. ${title}`);
}

// ---------------------------------------------------------------------------------------------
step('Explore the data');
let path: string;
let images: string;
if (dataArg === undefined) {
  path = await untarData(URLs.PETS); // ~/.cache/fastai-ts/data/oxford-iiit-pet, downloaded once
  images = join(path, 'images');
} else {
  path = resolve(dataArg);
  // The full dataset has annotations/ and images/; the sample is the photos themselves.
  images = existsSync(join(path, 'images')) ? join(path, 'images') : path;
}
// fastai's Path.BASE_PATH: show paths relative to the dataset, as the book prints them.
const rel = (list: readonly string[]) => FileList.fromPaths(list.map((p) => relative(path, p) || '.'));
console.log(`path.ls(): ${rel(ls(path))}`);
const files = getImageFiles(images);
if (files.length === 0) fail(`no images under ${images}; pass --data <folder of pets photos>`);
const fname = files[0]!;
console.log(`${files.length} images; the first: ${basename(fname)}`);

// ---------------------------------------------------------------------------------------------
step('Label with a regular expression');
// The breed is everything before the last _<number>.jpg; cats are capitalised, dogs are not.
const pattern = /^(.+)_\d+\.jpg$/;
const labeller = usingAttr(RegexLabeller(pattern), 'name');
console.log(`RegexLabeller(${pattern}) on ${basename(fname)}: '${await labeller(fname)}'`);

// ---------------------------------------------------------------------------------------------
step('DataBlock with presizing');
// Presizing: a generous Resize per item (CPU, random crop on training items), then one
// random-resized crop + augmentation per batch, composed into a single resample on the engine.
const pets = new DataBlock({
  blocks: [ImageBlock(), CategoryBlock()],
  getItems: getImageFiles,
  splitter: RandomSplitter({ seed }),
  getY: labeller,
  itemTfms: Resize(cfg.item),
  batchTfms: augTransforms({ size: cfg.size, minScale: 0.75 }),
});
console.log(`itemTfms: Resize(${cfg.item}); batchTfms: augTransforms({ size: ${cfg.size}, minScale: 0.75 })`);
// The sample's 370 decoded photos (about 130 MB) fit in memory: decode each once, not every epoch.
if (!full) setPixelCacheLimit(512 * 2 ** 20);
// Seed before the loaders and the model: shuffles, augmentation and the head's weights draw from it.
setSeed(seed);
const dls = await pets.dataloaders(images, { bs: cfg.bs });
console.log(`${dls.trainDs.length} training and ${dls.validDs.length} validation images, ${dls.c} breeds, bs ${cfg.bs}`);

// ---------------------------------------------------------------------------------------------
step('summary()');
// The book's deliberate mistake: no Resize, so photos of different sizes cannot be stacked into
// a batch. summary() runs the pipeline step by step and shows exactly where it breaks.
const pets1 = new DataBlock({ blocks: [ImageBlock(), CategoryBlock()], getItems: getImageFiles, splitter: RandomSplitter({ seed }), getY: labeller });
try {
  await pets1.summary(images);
  fail('summary() of the DataBlock without Resize was expected to fail at collation');
} catch (e) {
  if (!(e instanceof CollateError)) throw e;
}
// With presizing the same items collate; the end of that summary shows the batch.
const printed: string[] = [];
await pets.summary(images, { print: (text) => printed.push(text) });
const lines = printed.join('\n').split('\n');
console.log(`\nwith Resize(${cfg.item}) (the DataBlock above) summary() ends:`);
console.log(lines.slice(lines.indexOf('Collating items in a batch')).join('\n'));

// ---------------------------------------------------------------------------------------------
step('showBatch()');
const batchPng = join(out, 'batch.png');
await dls.showBatch({ file: batchPng, nrows: 3, ncols: 3 });
console.log(`a batch of augmented training images: ${batchPng}`);

// ---------------------------------------------------------------------------------------------
step('Cross-entropy from scratch');
// A pretrained body and a new, untrained head (starts frozen); it adds the weights' Normalize.
const learn = await visionLearner(dls, arch, { weights, metrics: [errorRate], path: out });
{
  const [x, y] = await dls.valid.oneBatch();
  learn.model.eval();
  torch.tidy(() => {
    const acts = torch.noGrad(() => learn.model.call(x!)).float().cpu();
    const targ = y!.cpu();
    const n = acts.shape[0]!;
    console.log(`activations of one validation batch: ${acts.shape.join(' x ')} (one score per breed)`);
    // softmax: every row positive and summing to 1.
    const sm = softmax(acts);
    const row = sm.select(0, 0).toArray() as number[];
    const top = row.indexOf(Math.max(...row));
    console.log(`softmax row 0 sums to ${row.reduce((a, b) => a + b, 0).toFixed(6)}; largest ${row[top]!.toFixed(4)} ('${dls.vocab[top]}'), actual '${dls.vocab[targ.select(0, 0).item()]}'`);
    // The log-likelihood by hand: each item's probability of its actual breed, as the book's
    // sm_acts[idx, targ], then the mean of -log.
    const picked = sm.index(torch.arange(n), targ);
    console.log(`cross-entropy by hand, mean of -log(softmax[i, target_i]): ${picked.log().neg().mean().item().toFixed(6)}`);
    console.log(`nllLoss(logSoftmax(acts), targ): ${nllLoss(logSoftmax(acts), targ).item().toFixed(6)}`);
    console.log(`crossEntropy(acts, targ): ${crossEntropy(acts, targ).item().toFixed(6)}`);
  });
  torch.dispose([x!, y!]);
}

// ---------------------------------------------------------------------------------------------
step('The learning-rate finder');
// Trains briefly with a growing lr, then restores the weights and optimizer: nothing is learnt.
const found = await learn.lrFind({ suggestFuncs: [minimum, steep, valley], numIt: cfg.numIt });
console.log(`Minimum/10: ${found.minimum.toExponential(2)}, steepest point: ${found.steep.toExponential(2)}, valley: ${found.valley.toExponential(2)} (${found.lrs.length} batches)`);
const lrFindPng = join(out, 'lr_find.png');
await plotLrFind(found, { file: lrFindPng });
console.log(`loss against learning rate: ${lrFindPng}`);

// ---------------------------------------------------------------------------------------------
step('fineTune');
// The book picks 3e-3 from the plot, between minimum/10 and the steepest point.
console.log(`learn.fineTune(${cfg.fineTune}, 3e-3): one frozen epoch for the head, then ${cfg.fineTune} unfrozen`);
await learn.fineTune(cfg.fineTune, 3e-3);
const fineTuneError = learn.recorder.value('error_rate');

// ---------------------------------------------------------------------------------------------
step('Interpretation');
// Inference runs once over the validation set; every method reads its results.
const interp = await ClassificationInterpretation.fromLearner(learn);
const confusionPng = join(out, 'confusion.png');
await interp.plotConfusionMatrix({ file: confusionPng });
console.log(`confusion matrix (rows actual, columns predicted): ${confusionPng}`);
const confused = interp.mostConfused(cfg.minConfused);
console.log(`mostConfused(${cfg.minConfused}), [actual, predicted, count]:`);
for (const [actual, predicted, count] of confused.slice(0, 10)) console.log(`  ${actual} -> ${predicted}: ${count}`);
if (confused.length === 0) console.log(`  none: no pair was confused ${cfg.minConfused} times or more`);

// ---------------------------------------------------------------------------------------------
step('Unfreezing and discriminative learning rates');
// As the book: a fresh learner, the head trained frozen, then everything with rates that grow
// from the first layers (general features, barely moved) to the head.
const learn2 = await visionLearner(dls, arch, { weights, metrics: [errorRate], path: out });
console.log(`learn.fitOneCycle(${cfg.frozen}, 3e-3) (frozen), learn.unfreeze(), learn.fitOneCycle(${cfg.unfrozen}, slice(1e-6, 1e-4))`);
await learn2.fitOneCycle(cfg.frozen, 3e-3);
learn2.unfreeze();
const nGroups = (learn2.opt ?? learn2.createOpt()).paramGroups.length;
console.log(`slice(1e-6, 1e-4) over the ${nGroups} parameter groups: ${spreadLrs(slice(1e-6, 1e-4), nGroups).map((lr) => lr.toExponential(0)).join(', ')}`);
await learn2.fitOneCycle(cfg.unfrozen, slice(1e-6, 1e-4));
const discriminativeError = learn2.recorder.value('error_rate');

// ---------------------------------------------------------------------------------------------
step('plotLoss');
const lossPng = join(out, 'loss.png');
await learn2.recorder.plotLoss({ file: lossPng });
console.log(`training and validation loss of the unfrozen fit: ${lossPng}`);

// ---------------------------------------------------------------------------------------------
step('A deeper model with mixed precision');
// A fresh DataLoaders: visionLearner adds its weights' Normalize, which another arch may not share.
setSeed(seed);
const deepDls: DataLoaders = await pets.dataloaders(images, { bs: cfg.bs });
const deep: Learner = await visionLearner(deepDls, deepArch, { weights: deepWeights, metrics: [errorRate], path: out });
let usedPrecision: string;
if (deepDls.device.startsWith('cuda')) {
  if (precision === 'fp32') usedPrecision = 'fp32';
  else {
    deep.toFp16(); // the book's to_fp16(): float16 with a loss scaler on a GPU
    usedPrecision = 'fp16';
  }
} else if (precision === 'bf16' || (precision === 'auto' && torch.backends.cpu.nativeBf16())) {
  deep.toBf16(); // bfloat16 autocast, float32 master weights, no loss scaler
  // Channels-last speeds up oneDNN's dense convolutions (ResNets), but MobileNet's depthwise
  // ones run several times slower in it on the CPU.
  if (deepArch.startsWith('resnet')) deep.toChannelsLast();
  usedPrecision = 'bf16';
} else {
  // A documented choice: without AVX512-BF16 or AMX libtorch emulates bf16 and training runs
  // 10-25x slower than float32, so auto trains in float32 instead (--precision bf16 forces it).
  const cpu = torch.backends.cpu.cpuInfo();
  console.log(`this CPU (${cpu.model}) has no native bfloat16 (avx512_bf16 or amx_bf16): libtorch would emulate it, 10-25x slower than float32, so the deeper model trains in float32 (--precision bf16 forces bf16)`);
  usedPrecision = precision === 'fp32' ? 'fp32' : 'fp32 (no native bf16)';
}
console.log(`${deepArch} in ${usedPrecision}: learn.fineTune(${cfg.deep}, 2e-3, { freezeEpochs: ${cfg.deepFrozen} })`);
await deep.fineTune(cfg.deep, 2e-3, { freezeEpochs: cfg.deepFrozen });
const deepError = deep.recorder.value('error_rate');

// ---------------------------------------------------------------------------------------------
step('Export and loadLearner');
// One safetensors file (architecture, weights, vocab, transforms; no code), read back without
// the training data.
const exported = deep.export(join(out, 'export.safetensors'));
const inference = await loadLearner(exported);
const photo = deepDls.validDs.items[0] as string;
const { label, probs } = await inference.predict(photo);
console.log(`${exported}\nloadLearner -> predict(${basename(photo)}): ${label} (p = ${Math.max(...probs).toFixed(3)}), actual ${await labeller(photo)}`);

console.log(`\nerror rates: ${arch} fineTune ${fineTuneError.toFixed(4)}, ${arch} discriminative ${discriminativeError.toFixed(4)}, ${deepArch} (${usedPrecision}) ${deepError.toFixed(4)}`);
console.log(`files in ${out}: ${['batch.png', 'lr_find.png', 'confusion.png', 'loss.png', 'export.safetensors'].join(', ')}`);
console.log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
