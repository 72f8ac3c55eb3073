import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { torch, type Tensor } from '../../src/index.js';
import type { DataLoader } from '../../src/data/index.js';
import { ROOT } from '../helpers.js';
import { digest, recipe } from './epoch-digest.js';
import { tempDir, writeClassImages } from './fixtures.js';

const root = tempDir({ after });

before(async () => {
  await writeClassImages(root, ['ant', 'bee', 'cat', 'dog'], 9, 'all');
});

const dataBlock = recipe;

/** Every batch of one epoch as plain numbers, freeing the tensors. */
async function epoch(dl: DataLoader<Tensor[]>): Promise<number[][][]> {
  const out: number[][][] = [];
  for await (const batch of dl) {
    out.push(batch.map((t) => Array.from(t.toTypedArray() as Float32Array | BigInt64Array, Number)));
    torch.dispose(batch);
  }
  return out;
}

describe('reproducible batches', () => {
  it('validation batches are identical across epochs and runs', async () => {
    const a = await dataBlock().dataloaders(root, { bs: 4, seed: 11 });
    const b = await dataBlock().dataloaders(root, { bs: 4, seed: 99 });
    const first = await epoch(a.valid);
    assert.equal(first.length, 2); // 7 validation items (36 * 0.2) at bs 4
    assert.deepEqual(await epoch(a.valid), first);
    assert.deepEqual(await epoch(b.valid), first, 'even with another loader seed: validation has no randomness');
  });

  it('training batches differ across epochs and repeat across runs with the same seed', async () => {
    const a = await dataBlock().dataloaders(root, { bs: 4, seed: 5 });
    const b = await dataBlock().dataloaders(root, { bs: 4, seed: 5 });
    const c = await dataBlock().dataloaders(root, { bs: 4, seed: 6 });
    const a0 = await epoch(a.train);
    const a1 = await epoch(a.train);
    assert.equal(a0.length, 7); // 29 training items, last partial batch dropped
    assert.notDeepEqual(a1, a0, 'a new epoch reshuffles and re-augments');
    assert.notDeepEqual(a1.map((bt) => bt[1]), a0.map((bt) => bt[1]), 'the order changes');
    assert.deepEqual(await epoch(b.train), a0, 'same seed, same first epoch');
    assert.deepEqual(await epoch(b.train), a1, 'same seed, same second epoch');
    assert.notDeepEqual(await epoch(c.train), a0, 'another seed, other batches');
  });

  it('a fresh process with the same seed produces the same batches', async () => {
    const here = await digest(root, 5);
    const child = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'data', 'epoch-digest.ts'), root, '5'], { encoding: 'utf8', cwd: ROOT });
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout.trim(), here);
    assert.notEqual(await digest(root, 6), here);
  });

  it('does not depend on how many images are decoded at once', async () => {
    const runs = [];
    for (const numWorkers of [0, 1, 4]) {
      const dls = await dataBlock().dataloaders(root, { bs: 4, seed: 5, numWorkers });
      runs.push(await epoch(dls.train));
    }
    assert.deepEqual(runs[1], runs[0]);
    assert.deepEqual(runs[2], runs[0]);
  });

  it('oneBatch is the first batch of the coming epoch and does not advance the epoch', async () => {
    const dls = await dataBlock().dataloaders(root, { bs: 4, seed: 5 });
    const [x, y] = await dls.oneBatch();
    const [x2, y2] = await dls.oneBatch();
    assert.deepEqual(Array.from(x.toTypedArray() as Float32Array), Array.from(x2.toTypedArray() as Float32Array));
    const first = (await epoch(dls.train))[0]!;
    assert.deepEqual(first[0], Array.from(x.toTypedArray() as Float32Array));
    assert.deepEqual(first[1], Array.from(y.toTypedArray() as BigInt64Array, Number));
    torch.dispose([x, y, x2, y2]);
  });
});

describe('memory', () => {
  it('iterating several epochs does not grow the live tensors, and a batch belongs to its consumer', async () => {
    const dls = await dataBlock().dataloaders(root, { bs: 4, seed: 1 });
    const start = torch.memory().liveTensors;
    for (let e = 0; e < 3; e++) {
      for await (const [x, y] of dls.train) {
        // the batch handed out, plus at most `prefetch` batches of decoded items loaded ahead
        assert.ok(torch.memory().liveTensors <= start + 2 + dls.train.prefetch * dls.train.bs, 'memory stays bounded');
        x.dispose();
        y.dispose();
      }
      for await (const batch of dls.valid) torch.dispose(batch);
      assert.equal(torch.memory().liveTensors, start, `after epoch ${e}`);
    }
  });

  it('breaking out of an epoch frees what was loaded ahead', async () => {
    const dls = await dataBlock().dataloaders(root, { bs: 4, seed: 1, prefetch: 3 });
    const start = torch.memory().liveTensors;
    for await (const batch of dls.train) {
      torch.dispose(batch);
      break;
    }
    assert.equal(torch.memory().liveTensors, start);
    assert.equal(dls.train.epoch, 1);
  });
});
