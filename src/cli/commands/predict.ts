/**
 * `fastai-ts predict <model> <images...>`: the label and probability of each image from an
 * exported learner (folders are searched for images), as text or one JSON array.
 * @module
 */
import { existsSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { getImageFiles, loadLearner, torch } from '../../index.js';
import { CliError } from '../errors.js';
import { flagsOf, intAtLeast } from '../flags.js';
import { checkFile } from '../setup.js';

/** One image's prediction, as `--json` prints it. */
export interface PredictionRecord {
  file: string;
  label: string;
  probability: number;
  topK: { label: string; probability: number }[];
}

/** The image files `args` name: files as given, folders searched. */
function imageFiles(args: readonly string[]): string[] {
  const files: string[] = [];
  for (const a of args) {
    const abs = resolve(a);
    if (!existsSync(abs)) throw new CliError(`the image ${abs} does not exist; check the path`);
    if (statSync(abs).isDirectory()) {
      const found = getImageFiles(abs);
      if (found.length === 0) throw new CliError(`no image files under ${abs}`);
      files.push(...found);
    } else files.push(abs);
  }
  return files;
}

export function define(program: Command): Command {
  return program
    .command('predict')
    .description('predict the label of each image with an exported model')
    .argument('<model>', 'the exported learner (fastai-ts train --out)')
    .argument('<images...>', 'image files, or folders of images')
    .addOption(new Option('--top-k <n>', 'also list the k most likely labels').default(1).argParser(intAtLeast(1)))
    .addOption(new Option('--json', 'print one JSON array of { file, label, probability, topK: [{ label, probability }] }'))
    .addOption(new Option('--bs <n>', 'images per batch').default(32).argParser(intAtLeast(1)))
    .action(async (model: string, images: string[], _o: unknown, self: Command) => {
      const flags = flagsOf<{ topK: number; json?: boolean; bs: number }>(self);
      const file = checkFile(model, 'the model file');
      const files = imageFiles(images);
      const learn = await loadLearner(file);
      const vocab = learn.dls.vocab as readonly string[];
      const dl = await learn.dls.testDl(files, { bs: flags.bs });
      const { preds, targs, decoded } = await learn.getPreds({ dl });
      let rows: number[][];
      try {
        rows = preds.toArray() as number[][];
      } finally {
        torch.dispose([preds, targs, decoded]);
      }
      const k = Math.min(flags.topK, vocab.length);
      const records: PredictionRecord[] = rows.map((probs, i) => {
        const order = probs.map((p, j) => [p, j] as const).sort((a, b) => b[0] - a[0]).slice(0, k);
        const topK = order.map(([p, j]) => ({ label: vocab[j]!, probability: p }));
        return { file: files[i]!, label: topK[0]!.label, probability: topK[0]!.probability, topK };
      });
      if (flags.json) {
        console.log(JSON.stringify(records, null, 2));
        return;
      }
      const shown = (f: string) => (relative(process.cwd(), f).startsWith('..') ? f : relative(process.cwd(), f));
      for (const r of records) {
        const rest = k > 1 ? `   [${r.topK.map((t) => `${t.label} ${t.probability.toFixed(3)}`).join(', ')}]` : '';
        console.log(`${shown(r.file)}: ${r.label} (${r.probability.toFixed(3)})${rest}`);
      }
    });
}
