/**
 * learn.toDistributed(): two ranks on 127.0.0.1 run lrFind and fineTune(1) on a small pets
 * subset (test/learner/workers/pets-dist.ts) and must agree on everything.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { torch } from '../../src/index.js';
import { haveShared, sharedPath } from '../helpers.js';
import { assertAllOk, type RankResult, runRanks } from '../torch/distributed/ranks.js';

const WORKER = new URL('./workers/pets-dist.ts', import.meta.url).pathname;

interface Summary {
  rank: number;
  isMainProcess: boolean;
  values: number[][][];
  nIter: number[][];
  stopFit: { stopped: boolean; batches: number };
  lrFind: { valley: number; losses: number[] };
  validSize: number;
  nPreds: number;
  recomputed: number;
  trainLength: number;
  live: number[][];
  files: { saved: string; exported: string; report: string };
}

function maxDiff(a: string, b: string): number {
  const x = torch.loadSafetensors(a);
  const y = torch.loadSafetensors(b);
  assert.deepEqual(Object.keys(x).sort(), Object.keys(y).sort());
  let worst = 0;
  for (const k of Object.keys(x)) worst = Math.max(worst, torch.tidy(() => x[k]!.double().sub(y[k]!.double()).abs().max().item() as number));
  torch.dispose([x, y]);
  return worst;
}

describe('learn.toDistributed (2 ranks)', () => {
  it('lrFind and fineTune(1) on pets: identical weights, metrics over the whole validation set, a stop on one rank stops both, only rank 0 prints and writes', async (t) => {
    if (!haveShared(t, ['data', 'pets'], ['models', 'mobilenet_v1_0.25_224.safetensors'])) return;
    const out = mkdtempSync(join(tmpdir(), 'fastai-ts-learn-dist-'));
    after(() => rmSync(out, { recursive: true, force: true }));
    const results: RankResult[] = await runRanks(WORKER, [sharedPath('data', 'pets'), sharedPath('models'), out], { killAfterMs: 90_000 });
    assertAllOk(results);
    const [r0, r1] = results.map((r) => r.result as Summary) as [Summary, Summary];

    assert.equal(maxDiff(join(out, 'weights-0.safetensors'), join(out, 'weights-1.safetensors')), 0, 'both ranks hold identical weights and buffers');

    // Each rank ran its share: 52 training items, 26 per rank, 3 batches of 8 (dropLast), the loader's 6 restored after.
    assert.deepEqual(r0.nIter, [[3], [3]], 'frozen and unfrozen fits ran 3 batches per epoch per rank');
    assert.equal(r0.trainLength, 6);

    // Metrics over all 13 validation items (7 + 6 + one padding item), the same on both ranks.
    assert.deepEqual(r1.values, r0.values, 'the epoch tables agree');
    assert.equal(r0.validSize, 13);
    assert.equal(r0.nPreds, 13, 'getPreds returns every validation item');
    const lastError = r0.values.at(-1)!.at(-1)![2]!;
    assert.ok(Math.abs(lastError - r0.recomputed) < 1e-6, `error_rate ${lastError} is the full validation set's (${r0.recomputed} from getPreds)`);
    assert.ok(Math.abs(lastError * 13 - Math.round(lastError * 13)) < 1e-5, `error_rate ${lastError} is a count of the 13 items`);

    // The training loss is averaged across ranks before lrFind's curve and stop see it.
    assert.deepEqual(r1.lrFind, r0.lrFind, 'the same lrFind curve and suggestion on both ranks');
    assert.equal(r0.lrFind.losses.length, 10, 'lrFind ran its 10 batches over several shares of 3');

    // No tensor kept per batch: lrFind's fit ends 3 epochs with the same live count.
    const lr = r0.live[0]!;
    assert.deepEqual([lr[5], lr[8]], [lr[2], lr[2]], `live tensors at each epoch's end: ${lr}`);

    // learn.stop() on rank 1 alone, after batch 1's step: shared in batch 2's all-reduce, so both ranks stop after batch 2.
    assert.deepEqual([r0.stopFit, r1.stopFit], [{ stopped: true, batches: 3 }, { stopped: true, batches: 3 }]);

    // Only rank 0 prints and writes.
    assert.match(results[0]!.stdout, /epoch\s+train_loss\s+valid_loss\s+error_rate\s+time/);
    assert.doesNotMatch(results[1]!.stdout, /train_loss/, 'rank 1 prints no epoch table');
    assert.deepEqual([r0.isMainProcess, r1.isMainProcess], [true, false]);
    for (const f of Object.values(r0.files)) assert.ok(existsSync(f), `rank 0 wrote ${f}`);
    assert.ok(!existsSync(join(out, 'rank1')), 'rank 1 wrote no model, export or report');
  });
});
