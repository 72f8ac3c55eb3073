// One rank of a data-parallel fineTune on a small pets subset (65 photos of 7 breeds: 52 train,
// 13 valid, so the validation share of 2 ranks is padded by one). Runs lrFind(numIt 10) and
// fineTune(1) through learn.toDistributed(), then writes what the test compares: this rank's
// weights (weights-<rank>.safetensors, written directly, whatever the rank), and through the
// library's gated writers learn.save, learn.export and learn.report under <out>/rank<rank>/.
// The last stdout line is a JSON summary.
import { basename, join } from 'node:path';
import { writeFileSync } from 'node:fs';
import {
  augTransforms, Callback, CategoryBlock, DataBlock, errorRate, getImageFiles, ImageBlock, RandomSplitter, RegexLabeller, Resize, setSeed,
  torch, usingAttr, visionLearner,
} from '../../../src/index.js';

const [data, weights, out] = process.argv.slice(2) as [string, string, string];
const rank = Number(process.env.RANK);

/** Live tensors after every training batch, per fit (leak check). */
class LiveTensors extends Callback {
  override order = 100;
  override runValid = false;
  fits: number[][] = [];
  override beforeFit(): void {
    this.fits.push([]);
  }
  override afterBatch(): void {
    this.fits.at(-1)!.push(torch.memory().liveTensors);
  }
}

/** Rank 1 alone asks to stop during training batch `at` (as Ctrl-C on one machine would). */
class StopOnRank1 extends Callback {
  constructor(readonly at: number) {
    super();
  }
  override afterStep(): void {
    if (rank === 1 && this.learn.iter === this.at) this.learn.stop();
  }
}

setSeed(42);
const breeds = (files: readonly string[]) => [...new Set(files.map((f) => basename(f).replace(/_\d+\.jpg$/, '')))].sort().slice(0, 7);
const block = new DataBlock<string>({
  blocks: [ImageBlock(), CategoryBlock()],
  getItems: (path: string) => {
    const files = getImageFiles(path);
    const keep = new Set(breeds(files));
    return files.filter((f) => keep.has(basename(f).replace(/_\d+\.jpg$/, ''))).sort().slice(0, 65);
  },
  splitter: RandomSplitter({ seed: 42 }),
  getY: usingAttr(RegexLabeller(/^(.+)_\d+\.jpg$/), 'name'),
  itemTfms: Resize(96),
  batchTfms: augTransforms({ size: 64, minScale: 0.75 }),
});
const dls = await block.dataloaders(data, { bs: 8, device: 'cpu' });
const live = new LiveTensors();
const dir = join(out, `rank${rank}`);
const learn = (await visionLearner(dls, 'mobilenet_v1_0.25', { pretrained: true, weights, metrics: [errorRate], path: dir, cbs: [live] })).toDistributed();

const found = await learn.lrFind({ numIt: 10 });
await learn.fineTune(1, 2e-3);

const values = learn.recorder.history.map((f) => f.values);
const nIter = learn.recorder.history.map((f) => f.iters);
const validSize = learn.dls.validDs.length;
const { preds, targs } = await learn.getPreds();
const recomputed = torch.tidy(() => preds.argmax(1).ne(targs!).float().mean().item() as number);
const nPreds = preds.shape[0];
torch.dispose([preds, targs]);
const saved = learn.save('final');
const exported = learn.export(join(dir, 'export.safetensors'));
const report = await learn.report(join(dir, 'report.html'));

// A stop asked for on rank 1 only ends the same batch on both ranks.
await learn.fit(1, 1e-4, { cbs: [new StopOnRank1(1)] });
const stopFit = { stopped: learn.recorder.history.at(-1)!.stopped, batches: learn.recorder.losses.length };

torch.saveSafetensors(join(out, `weights-${rank}.safetensors`), learn.model.stateDict());
writeFileSync(join(out, `done-${rank}`), ''); // the test's own marker

console.log(JSON.stringify({
  rank,
  isMainProcess: learn.isMainProcess,
  values,
  nIter,
  stopFit,
  lrFind: { valley: found.valley, losses: found.losses },
  validSize,
  nPreds,
  recomputed,
  trainLength: learn.dls.train.length,
  live: live.fits,
  files: { saved, exported, report },
}));
await torch.distributed.destroyProcessGroup();
