/**
 * `RANK=r WORLD_SIZE=2 ... fastai-ts train`: two ranks of the same command on 127.0.0.1 train
 * data-parallel; rank 0 alone prints, exports and writes the report.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { launchedAsRank } from '../../src/cli/setup.js';
import { haveShared, ROOT, sharedPath } from '../helpers.js';
import { assertAllOk, runRanks } from '../torch/distributed/ranks.js';

const MAIN = join(ROOT, 'src', 'cli', 'main.ts');

describe('fastai-ts train as 2 ranks', () => {
  it('is distributed only with RANK set and WORLD_SIZE above 1', () => {
    assert.equal(launchedAsRank({ RANK: '1', WORLD_SIZE: '2' }), true);
    assert.equal(launchedAsRank({ RANK: '0', WORLD_SIZE: '1' }), false);
    assert.equal(launchedAsRank({ WORLD_SIZE: '2' }), false);
    assert.equal(launchedAsRank({}), false);
  });

  it('trains data-parallel: rank 0 prints both epoch tables and writes the export and the report, rank 1 prints nothing', async (t) => {
    if (!haveShared(t, ['data', 'pets'], ['models', 'mobilenet_v1_0.25_224.safetensors'])) return;
    const tmp = mkdtempSync(join(tmpdir(), 'fastai-ts-cli-dist-'));
    after(() => rmSync(tmp, { recursive: true, force: true }));
    // 48 photos of the first breeds, as links.
    const data = join(tmp, 'pets');
    mkdirSync(data);
    const pets = sharedPath('data', 'pets');
    const breeds = [...new Set(readdirSync(pets).map((f) => f.replace(/_\d+\.jpg$/, '')))].sort().slice(0, 6);
    for (const f of readdirSync(pets).filter((f) => breeds.includes(f.replace(/_\d+\.jpg$/, ''))).sort().slice(0, 48)) symlinkSync(join(pets, f), join(data, f));
    const model = join(tmp, 'model.safetensors');
    const report = join(tmp, 'report.html');
    const args = [
      'train', data, '--label-re', '^(.+)_\\d+\\.jpg$', '--arch', 'mobilenet_v1_0.25', '--weights', sharedPath('models'),
      '--item-size', '64', '--size', '48', '--bs', '8', '--epochs', '1', '--out', model, '--report', report,
    ];
    const results = await runRanks(MAIN, args, { env: { UV_THREADPOOL_SIZE: '4', FASTAI_TS_QUIET: '1' }, killAfterMs: 90_000 });
    assertAllOk(results);
    const [r0, r1] = results as [typeof results[0], typeof results[0]];
    assert.equal(r0!.stdout.match(/^epoch\s+train_loss\s+valid_loss\s+error_rate\s+time$/gm)?.length, 2, 'one table per phase (frozen, unfrozen)');
    assert.match(r0!.stdout, /48 images, \d+ classes; 39 train \/ 9 valid/);
    // Over all 9 validation items (5 per rank, one of them padding): a count of 9.
    const errors = [...r0!.stdout.matchAll(/^0\s+[\d.]+\s+[\d.]+\s+([\d.]+)\s/gm)].map((m) => Number(m[1]));
    assert.equal(errors.length, 2);
    for (const e of errors) assert.ok(Math.abs(e * 9 - Math.round(e * 9)) < 1e-5, `error_rate ${e} is a count of the 9 validation items`);
    assert.match(r0!.stdout, /exported to /);
    assert.equal(r1!.stdout.trim(), '', 'rank 1 prints nothing');
    assert.ok(existsSync(model) && statSync(model).size > 0, 'the export');
    assert.ok(existsSync(report) && statSync(report).size > 0, 'the report');
    assert.deepEqual(readdirSync(tmp).filter((f) => f.endsWith('.tmp')), [], 'no half-written file left');
  });
});
