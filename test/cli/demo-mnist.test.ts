import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { materialiseMnist, MNIST_MARKER } from '../../src/cli/demo/mnist.js';
import { MNIST_LABEL_RE } from '../../src/cli/demo/run.js';
import { tempDir } from '../data/fixtures.js';

describe('materialiseMnist', () => {
  it('writes <label>_<n>.png digits, the held-out ones apart, as 28x28 grayscale PNGs', async (t) => {
    const dir = join(tempDir(t), 'mnist');
    const f = await materialiseMnist(dir, { perDigit: 5, heldOutPerDigit: 2 });
    assert.equal(f.created, true);
    const train = readdirSync(f.train).sort();
    const heldOut = readdirSync(f.heldOut).sort();
    assert.deepEqual(f.counts, { train: 50, heldOut: 20 });
    assert.equal(train.length, 50);
    assert.equal(heldOut.length, 20);
    for (const name of [...train, ...heldOut]) assert.match(name, MNIST_LABEL_RE);
    for (let d = 0; d <= 9; d++) {
      assert.equal(train.filter((n) => n.startsWith(`${d}_`)).length, 5, `digit ${d}`);
      assert.equal(heldOut.filter((n) => n.startsWith(`${d}_`)).length, 2, `digit ${d}`);
    }
    assert.equal(train.filter((n) => heldOut.includes(n)).length, 0, 'no held-out digit is in the training folder');
    const meta = await sharp(join(f.train, train[0]!)).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height, meta.channels], ['png', 28, 28, 1]);
    const data = await sharp(join(f.train, train[0]!)).extractChannel(0).raw().toBuffer();
    // A real digit: mostly black background with some bright strokes.
    const bright = data.filter((v) => v > 128).length;
    assert.ok(bright > 30 && bright < 400, `${bright} bright pixels`);
    assert.equal(readdirSync(join(dir, '..')).filter((n) => n.includes('writing')).length, 0, 'the temporary folder is gone');
  });

  it('reuses a complete folder with the same settings, and rebuilds for other settings', async (t) => {
    const dir = join(tempDir(t), 'mnist');
    const first = await materialiseMnist(dir, { perDigit: 3, heldOutPerDigit: 1 });
    const file = join(first.train, readdirSync(first.train)[0]!);
    const mtime = statSync(file).mtimeMs;
    const again = await materialiseMnist(dir, { perDigit: 3, heldOutPerDigit: 1 });
    assert.equal(again.created, false);
    assert.equal(statSync(file).mtimeMs, mtime, 'nothing rewritten');
    assert.deepEqual(readdirSync(again.train).sort(), readdirSync(first.train).sort());

    const other = await materialiseMnist(dir, { perDigit: 4, heldOutPerDigit: 1 });
    assert.equal(other.created, true);
    const seeded42 = readdirSync(other.train).sort();
    assert.equal(seeded42.length, 40);
    const reseeded = await materialiseMnist(dir, { perDigit: 4, heldOutPerDigit: 1, seed: 7 });
    assert.equal(reseeded.created, true);
    assert.notDeepEqual(readdirSync(reseeded.train).sort(), seeded42, 'another seed picks other digits');
  });

  it('never takes an unmarked (interrupted) folder for a complete one', async (t) => {
    const dir = join(tempDir(t), 'mnist');
    mkdirSync(join(dir, 'train'), { recursive: true });
    writeFileSync(join(dir, 'train', '3_1.png'), 'not a png: a write cut short');
    const f = await materialiseMnist(dir, { perDigit: 2, heldOutPerDigit: 1 });
    assert.equal(f.created, true);
    assert.ok(existsSync(join(dir, MNIST_MARKER)));
    assert.equal(readdirSync(f.train).length, 20);
    assert.ok(!readdirSync(f.train).includes('3_1.png') || statSync(join(f.train, '3_1.png')).size > 40, 'the leftover was replaced');
  });

  it("'all' takes every digit of the package but the held-out ones", async (t) => {
    const f = await materialiseMnist(join(tempDir(t), 'mnist'), { perDigit: 'all', heldOutPerDigit: 1 });
    // The package's 10,000 digits (863 to 1,127 per class), one per class held out.
    assert.deepEqual(f.counts, { train: 9_990, heldOut: 10 });
    assert.equal(readdirSync(f.train).length, 9_990);
  });

  it('says what to do when asked for more digits than the package has', async (t) => {
    await assert.rejects(materialiseMnist(join(tempDir(t), 'm'), { perDigit: 5000 }), /has \d+ images of digit \d, fewer than perDigit 5000 \+ heldOutPerDigit 2; ask for fewer/);
    await assert.rejects(materialiseMnist(join(tempDir(t), 'm'), { perDigit: 0 }), /perDigit must be an integer >= 1, got 0/);
  });
});
