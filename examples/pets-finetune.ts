/**
 * fastbook chapter 5's recipe on the 370-photo pets sample: a pretrained MobileNet v1 0.75,
 * lrFind (and its plot), fineTune(4), the loss curve, an interpretation (confusion matrix, most
 * confused breeds, top losses), predictions, then export -> loadLearner -> predict.
 *
 * Run: npm run pets [-- <pets folder> <weights folder>]
 * (defaults ../shared/data/pets and ../shared/models, as in test/learner/pets.test.ts)
 */
import { basename, join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import {
  augTransforms, CategoryBlock, ClassificationInterpretation, DataBlock, errorRate, getImageFiles, ImageBlock, loadLearner,
  minimum, plotLrFind, RandomSplitter, RegexLabeller, Resize, setSeed, steep, torch, usingAttr, valley, visionLearner,
} from '../src/index.js';

const dataDir = process.argv[2] ?? join('..', 'shared', 'data', 'pets');
const weightsDir = process.argv[3] ?? join('..', 'shared', 'models');
// Checkpoints and the export go to a scratch folder, not next to the (read-only) shared photos.
const workDir = mkdtempSync(join(tmpdir(), 'fastai-ts-pets-'));

// Seed before building the DataLoaders and the model: the split, shuffles, augmentations and
// the head's initial weights all draw from it, so two runs give identical losses on the CPU.
setSeed(42);

const pets = new DataBlock({
  blocks: [ImageBlock(), CategoryBlock()],
  getItems: getImageFiles,
  splitter: RandomSplitter({ seed: 42 }), // 20% validation: 74 of the 370 photos
  getY: usingAttr(RegexLabeller(/^(.+)_\d+\.jpg$/), 'name'), // "great_pyrenees_12.jpg" -> "great_pyrenees"
  // Presizing: a generous item size on the CPU, then one random-resized crop + augmentation
  // per batch on the engine, so the crop never has to invent pixels.
  itemTfms: Resize(192),
  batchTfms: augTransforms({ size: 160, minScale: 0.75 }),
});
// bs 16: 296 training photos make 18 steps an epoch (the last partial batch is dropped); a
// larger batch would leave very few steps to learn from.
const dls = await pets.dataloaders(dataDir, { bs: 16 });
console.log(`${dls.trainDs.length} training and ${dls.validDs.length} validation images, ${dls.c} breeds`);

// Pretrained body + new head for 37 classes; adds the weights' Normalize and starts frozen.
const learn = await visionLearner(dls, 'mobilenet_v1_0.75', { weights: weightsDir, metrics: [errorRate], path: workDir });

// lrFind trains briefly with a growing lr, then restores weights and optimizer: nothing is learnt.
const found = await learn.lrFind({ suggestFuncs: [minimum, steep, valley] });
console.log(`lrFind: minimum/10 ${found.minimum.toExponential(2)}, steepest ${found.steep.toExponential(2)}, valley ${found.valley.toExponential(2)} (${found.lrs.length} batches)`);
await plotLrFind(found, { file: join(workDir, 'lr_find.png') }); // loss against log lr, suggestions labelled

// fastai's transfer-learning recipe: one frozen epoch for the head, then 4 epochs unfrozen with
// discriminative learning rates. fineTune's default base lr (2e-3) is the chapter's choice;
// pass `valley` instead to follow the finder.
await learn.fineTune(4);
const finalError = learn.recorder.value('error_rate');
console.log(`final error rate: ${finalError.toFixed(3)}`);
await learn.recorder.plotLoss({ file: join(workDir, 'loss.png') }); // the unfrozen phase's learning curve

// What the model gets wrong: inference runs once over the validation set, then everything reads it.
const interp = await ClassificationInterpretation.fromLearner(learn);
await interp.plotConfusionMatrix({ file: join(workDir, 'confusion.png') });
await interp.plotTopLosses(9, { file: join(workDir, 'top_losses.png') });
console.log('most confused (actual, predicted, count):', interp.mostConfused(2));
interp.printClassificationReport();
console.log(`plots: ${['lr_find', 'loss', 'confusion', 'top_losses'].map((n) => join(workDir, `${n}.png`)).join(', ')}`);

// Probabilities over the whole validation set (softmax: each row sums to 1). CPU tensors we own.
const { preds, targs } = await learn.getPreds();
try {
  const { labels } = dls.decodePreds(preds);
  const actual = targs ? dls.decodePreds(targs).labels : [];
  const files = dls.validDs.items as string[];
  for (let i = 0; i < 5; i++) console.log(`  ${basename(files[i]!)}: predicted ${labels[i]}, actual ${actual[i]}`);
} finally {
  torch.dispose([preds, targs]);
}

// One self-contained safetensors file (weights, architecture, vocab, transforms; no code), read
// back without the training data.
const file = learn.export();
const inference = await loadLearner(file);
const photo = dls.validDs.items[0] as string;
const { label, probs } = await inference.predict(photo);
console.log(`${file}\n  loadLearner -> predict(${basename(photo)}): ${label} (p = ${Math.max(...probs).toFixed(3)})`);
