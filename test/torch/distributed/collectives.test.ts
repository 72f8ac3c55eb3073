import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resnet18, torch } from '../../../src/index.js';
import { assertAllOk, type RankResult, runRanks } from './ranks.js';
import { floats, longs, N, paramValues } from './workers/collective-values.js';

const WORKER = new URL('./workers/collectives.ts', import.meta.url).pathname;
const WORLD = 2;
const RANKS = Array.from({ length: WORLD }, (_, r) => r);
const dist = torch.distributed;

// What every rank should hold, computed here from what each rank contributes.
const elements = (f: (i: number) => number | bigint) => Array.from({ length: N }, (_, i) => f(i));
const expectFloat = {
  sum: elements((i) => RANKS.reduce((s, r) => s + floats(r)[i]!, 0)),
  avg: elements((i) => RANKS.reduce((s, r) => s + floats(r)[i]!, 0) / WORLD),
  max: elements((i) => Math.max(...RANKS.map((r) => floats(r)[i]!))),
  min: elements((i) => Math.min(...RANKS.map((r) => floats(r)[i]!))),
};
const big = (f: (i: number) => bigint) => elements(f).map(String);
const expectLong = {
  sum: big((i) => RANKS.reduce((s, r) => s + longs(r)[i]!, 0n)),
  max: big((i) => RANKS.map((r) => longs(r)[i]!).reduce((a, b) => (a > b ? a : b))),
  min: big((i) => RANKS.map((r) => longs(r)[i]!).reduce((a, b) => (a < b ? a : b))),
};
const contribution = (dtype: string, r: number) => (dtype === 'int64' ? longs(r).map(String) : floats(r));

const dir = mkdtempSync(join(tmpdir(), 'fastai-ts-collectives-'));
const out = join(dir, 'resnet18-sum.safetensors');
let results: RankResult[];
let reports: Record<string, unknown>[];

describe('torch.distributed collectives on 2 ranks', { skip: dist.isAvailable() ? false : dist.unavailableReason() ?? true }, () => {
  before(async () => {
    results = await runRanks(WORKER, [out], { worldSize: WORLD });
    assertAllOk(results);
    reports = results.map((r) => r.result as Record<string, unknown>);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('every rank joined with its own rank and the world size', () => {
    assert.deepEqual(reports.map((r) => [r.rank, r.worldSize, r.initialized, r.initializedAfterDestroy]), RANKS.map((r) => [r, WORLD, true, false]));
  });

  for (const dtype of ['float32', 'float64']) {
    for (const op of ['sum', 'avg', 'max', 'min'] as const) {
      it(`allReduce ${op} on ${dtype}`, () => {
        for (const r of reports) assert.deepEqual(r[`allReduce/${op}/${dtype}`], expectFloat[op], `rank ${String(r.rank)}`);
      });
    }
  }
  for (const op of ['sum', 'max', 'min'] as const) {
    it(`allReduce ${op} on int64 (values beyond 2^53)`, () => {
      for (const r of reports) assert.deepEqual(r[`allReduce/${op}/int64`], expectLong[op], `rank ${String(r.rank)}`);
    });
  }

  for (const dtype of ['float32', 'float64', 'int64']) {
    it(`broadcast from src 0 and src 1, and allGather, on ${dtype}`, () => {
      for (const r of reports) {
        for (const src of RANKS) assert.deepEqual(r[`broadcast/${src}/${dtype}`], contribution(dtype, src), `rank ${String(r.rank)} after broadcast from ${src}`);
        assert.deepEqual(r[`allGather/${dtype}`], RANKS.map((src) => contribution(dtype, src)), `rank ${String(r.rank)}: every rank's tensor, by rank`);
        assert.deepEqual(r[`allGather/${dtype}/input`], contribution(dtype, r.rank as number), 'allGather leaves its input as it was');
      }
    });
  }

  it("refuses 'avg' on int64 with a clear message, touching nothing, and the group goes on", () => {
    for (const r of reports) {
      assert.match(String(r.avgInt64), /^allReduce: op 'avg' needs floating-point tensors, got int64; use op 'sum' and divide by getWorldSize\(\)/);
      assert.deepEqual(r.avgInt64Untouched, contribution('int64', r.rank as number));
    }
  });

  it("all-reduces ResNet-18's 62 parameter tensors", () => {
    const shapes = resnet18().parameters().map((p) => p.shape);
    assert.equal(shapes.length, 62);
    const got = torch.loadSafetensors(out);
    assert.equal(Object.keys(got).length, 62);
    let total = 0;
    shapes.forEach((shape, k) => {
      const t = got[`p${k}`]!;
      assert.deepEqual(t.shape, shape, `tensor ${k}`);
      total += t.numel();
      const worst = torch.tidy(() => {
        const parts = RANKS.map((r) => paramValues(r, k, shape));
        const expected = parts.reduce((a, b) => a.add(b));
        return t.sub(expected).abs().max().item();
      });
      assert.equal(worst, 0, `tensor ${k} ${JSON.stringify(shape)}: max |sum - expected| ${worst}`);
    });
    assert.ok(total > 11_000_000, `${total} elements, ResNet-18's 11.7M`);
  });

  it('barrier holds every rank until all have arrived', () => {
    for (const r of reports) assert.equal(r.barrierSawEveryone, true, `rank ${String(r.rank)} left the barrier before another rank arrived`);
  });

  it('the store: get waits for a set, add is atomic across ranks, check does not wait', () => {
    const total = RANKS.reduce((s, r) => s + r + 1, 0);
    for (const r of reports) {
      assert.equal(r.greeting, 'hello from rank 0');
      assert.equal(r.counter, total);
      assert.equal(r.checkUnset, false);
    }
    // In the order the adds landed, each returned the running total (rank r adds r + 1).
    const order = [...reports].sort((a, b) => (a.added as number) - (b.added as number));
    let running = 0;
    for (const r of order) {
      running += (r.rank as number) + 1;
      assert.equal(r.added, running, `rank ${String(r.rank)}'s add`);
    }
  });
});

describe('torch.distributed without a group', () => {
  it('rejects collectives and the store before initProcessGroup, saying what to call', async () => {
    const t = torch.tensor([1, 2, 3]);
    const calls: [string, () => Promise<unknown>][] = [
      ['all-reduce', () => dist.allReduce(t)],
      ['broadcast', () => dist.broadcast(t)],
      ['allGather', () => dist.allGather(t)],
      ['barrier', () => dist.barrier()],
      ['store.set', () => dist.store.set('k', 'v')],
      ['store.get', () => dist.store.get('k')],
    ];
    for (const [what, call] of calls) {
      // async: a synchronous throw counts as a rejection here too
      await assert.rejects(async () => call(), (e: Error) => {
        assert.match(e.message, /the process group is not initialized; await torch\.distributed\.initProcessGroup\(\) first/, what);
        return true;
      });
    }
    assert.equal(dist.isInitialized(), false);
    assert.equal(dist.getRank(), 0);
    assert.equal(dist.getWorldSize(), 1);
    t.dispose();
  });

  it('initProcessGroup names a bad or missing rank and world size', async (t) => {
    if (!dist.isAvailable()) return t.skip(dist.unavailableReason() ?? 'no distributed support');
    const saved = { RANK: process.env.RANK, WORLD_SIZE: process.env.WORLD_SIZE };
    delete process.env.RANK;
    delete process.env.WORLD_SIZE;
    try {
      await assert.rejects(dist.initProcessGroup({ rank: 2, worldSize: 2, timeoutMs: 2000 }), /initProcessGroup: rank must be an integer from 0 to 1, got 2/);
      await assert.rejects(dist.initProcessGroup({ worldSize: 2, timeoutMs: 2000 }), /rank and worldSize are not set: pass \{ rank, worldSize \} or set RANK and WORLD_SIZE/);
      await assert.rejects(dist.initProcessGroup({ rank: 0, worldSize: 0, timeoutMs: 2000 }), /worldSize must be an integer from 1/);
      process.env.RANK = 'one';
      await assert.rejects(dist.initProcessGroup({ worldSize: 2, timeoutMs: 2000 }), /\$RANK must be an integer, got 'one'/);
      await assert.rejects(dist.initProcessGroup({ rank: 0, worldSize: 1, masterPort: 70000, timeoutMs: 2000 }), /masterPort must be an integer from 1 to 65535, got 70000/);
      assert.equal(dist.isInitialized(), false);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  });
});
