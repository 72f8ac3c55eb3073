import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { torch } from '../../../src/index.js';
import { assertAllOk, runRanks } from './ranks.js';

const WORKER = new URL('./workers/ddp-steps.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'fastai-ts-ddp-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function maxDiff(a: string, b: string): number {
  const x = torch.loadSafetensors(a);
  const y = torch.loadSafetensors(b);
  assert.deepEqual(Object.keys(x).sort(), Object.keys(y).sort());
  let worst = 0;
  for (const k of Object.keys(x)) worst = Math.max(worst, torch.tidy(() => x[k]!.sub(y[k]!).abs().max().item() as number));
  return worst;
}

async function compare(steps: number): Promise<{ single: number; ranks: number }> {
  const single = join(dir, `single-${steps}.safetensors`);
  const ddp = join(dir, `ddp-${steps}-{rank}.safetensors`);
  const [one] = await runRanks(WORKER, ['single', String(steps), single], { worldSize: 1 });
  assertAllOk([one!]);
  const ranks = await runRanks(WORKER, ['ddp', String(steps), ddp]);
  assertAllOk(ranks);
  return { single: maxDiff(single, ddp.replace('{rank}', '0')), ranks: maxDiff(ddp.replace('{rank}', '0'), ddp.replace('{rank}', '1')) };
}

describe('DistributedDataParallel', () => {
  it('one step on two half batches equals one step on the full batch', async () => {
    const d = await compare(1);
    assert.ok(d.single <= 1e-6, `DDP vs single process: max |difference| ${d.single}`);
    assert.equal(d.ranks, 0, 'both ranks hold identical weights');
  });
  it('20 SGD-momentum steps stay equal to single-process training', async () => {
    const d = await compare(20);
    assert.ok(d.single <= 1e-6, `DDP vs single process after 20 steps: max |difference| ${d.single}`);
    assert.equal(d.ranks, 0, 'both ranks hold identical weights');
  });
});
