/**
 * examples/pets.ts (fastbook chapter 5 as code) in its --quick form, in a child process as a
 * user runs it: every step runs and prints, the numbers it shows agree, and what it writes opens.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { loadLearner, torch } from '../../src/index.js';
import { tempDir } from '../data/fixtures.js';
import { haveShared, sharedPath } from '../helpers.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/pets.ts', import.meta.url));

/** The chapter's steps, in the order the example must print them. */
const STEPS = [
  'Explore the data', 'Label with a regular expression', 'DataBlock with presizing', 'summary()', 'showBatch()',
  'Cross-entropy from scratch', 'The learning-rate finder', 'fineTune', 'Interpretation',
  'Unfreezing and discriminative learning rates', 'plotLoss', 'A deeper model with mixed precision', 'Export and loadLearner',
];

/** The number printed after `label` on its own line. */
function printed(out: string, label: string): number {
  const line = out.split('\n').find((l) => l.startsWith(label));
  assert.ok(line, `the example printed no line starting '${label}'`);
  const v = Number(line.slice(label.length).trim());
  assert.ok(Number.isFinite(v), `'${line}' does not end in a number`);
  return v;
}

describe('examples/pets.ts (fastbook chapter 5)', () => {
  it('--quick runs every step of the chapter in order, its cross-entropy by hand equals crossEntropy, and its PNGs and export open', async (t) => {
    if (!haveShared(t, ['data', 'pets'], ['models', 'mobilenet_v1_0.25_224.safetensors'])) return;
    const out = tempDir(t, 'fastai-ts-pets-example-');
    const args = ['--import', 'tsx', EXAMPLE, '--quick', '--out', out, '--data', sharedPath('data', 'pets'), '--weights', sharedPath('models')];
    // execFile rejects on a non-zero exit, with the output attached: the failure shows it.
    const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 64 * 2 ** 20, env: { ...process.env, FORCE_COLOR: '0' } });

    assert.match(stdout, new RegExp(`files go to ${out}`), 'says where the files go');
    let at = -1;
    STEPS.forEach((title, i) => {
      const heading = `\n## ${i + 1}. ${title}\n`;
      const found = stdout.indexOf(heading);
      assert.ok(found > at, `step heading '${heading.trim()}' missing or out of order`);
      at = found;
    });

    assert.match(stdout, /RegexLabeller\(.*\) on (\S+)\.jpg: '.+'/);
    // summary() shows the book's mistake (no Resize) failing at collation, then the fixed batch.
    assert.match(stdout, /Collating items in a batch\nError! It's not possible to collate your items in a batch/);
    assert.match(stdout, /summary\(\) ends:\nCollating items in a batch\n {2}\(Tensor uint8 of size 4x3x(\d+)x\1, Tensor int64 of size 4\)/);
    const byHand = printed(stdout, 'cross-entropy by hand, mean of -log(softmax[i, target_i]):');
    const nll = printed(stdout, 'nllLoss(logSoftmax(acts), targ):');
    const ce = printed(stdout, 'crossEntropy(acts, targ):');
    assert.ok(ce > 0, `cross-entropy ${ce}`);
    // Printed to 6 decimals: equal up to float32 rounding (relative) and the last printed digit.
    const close = (a: number) => Math.abs(a - ce) <= 1e-5 * ce + 1e-6;
    assert.ok(close(byHand), `by hand ${byHand} vs crossEntropy ${ce}`);
    assert.ok(close(nll), `nllLoss ${nll} vs crossEntropy ${ce}`);
    assert.match(stdout, /Minimum\/10: \S+e-?\d+, steepest point: \S+e-?\d+, valley: \S+e-?\d+/);
    assert.match(stdout, /slice\(1e-6, 1e-4\) over the 3 parameter groups: 1e-6, 1e-5, 1e-4/);
    // bf16 only where the CPU runs it natively; elsewhere the example says why it uses fp32.
    if (torch.backends.cpu.nativeBf16()) assert.match(stdout, /in bf16: learn\.fineTune/);
    else assert.match(stdout, /no native bfloat16[^\n]*trains in float32[\s\S]*in fp32 \(no native bf16\): learn\.fineTune/);
    assert.match(stdout, /error rates: \S+ fineTune 0\.\d+, \S+ discriminative 0\.\d+, \S+ \(\S+.*\) 0\.\d+/);

    for (const name of ['batch.png', 'lr_find.png', 'confusion.png', 'loss.png']) {
      const file = join(out, name);
      assert.ok(stdout.includes(file), `the example names ${file}`);
      const meta = await sharp(file).metadata();
      assert.equal(meta.format, 'png', name);
      assert.ok(meta.width > 100 && meta.height > 100, `${name} is ${meta.width}x${meta.height}`);
    }

    const exported = join(out, 'export.safetensors');
    assert.ok(existsSync(exported), 'the export is written to --out');
    const learn = await loadLearner(exported);
    assert.equal(learn.dls.vocab.length, 37);
    const { label, probs } = await learn.predict(sharedPath('data', 'pets', 'beagle_107.jpg'));
    assert.ok(learn.dls.vocab.includes(label));
    assert.equal(probs.length, 37);
  });
});
