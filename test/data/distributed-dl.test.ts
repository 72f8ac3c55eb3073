import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CategoryBlock, DataBlock, DataLoader, DistributedDL, IndexSplitter, type OnError, shardOrder, torch, type TransformBlock,
} from '../../src/index.js';

/** Items 0..n-1; x is the item's number, so a batch says which items it holds. Items in `bad` cannot be read. */
function numberBlock(bad: ReadonlySet<number>): TransformBlock {
  return {
    name: 'NumberBlock',
    kind: 'vector',
    lazy: true,
    typeTfms: [{ name: 'Check', apply: (v) => { if (bad.has(v as number)) throw new Error(`item ${String(v)} is unreadable`); return v; } }],
    collate: (values) => torch.tensor(Float32Array.from(values as number[]), [values.length]),
  };
}

async function loaders(n: number, options: { bs: number; dropLast?: boolean; nValid?: number; bad?: number[]; onError?: OnError }) {
  const items = Array.from({ length: n }, (_, i) => i);
  const nValid = options.nValid ?? 0;
  const block = new DataBlock<number>({
    blocks: [numberBlock(new Set(options.bad ?? [])), CategoryBlock()],
    getX: (i) => i,
    getY: (i) => (i % 2 ? 'odd' : 'even'),
    splitter: IndexSplitter(Array.from({ length: nValid }, (_, k) => n - nValid + k)),
  });
  return block.dataloaders(items, {
    bs: options.bs, seed: 7, device: 'cpu', numWorkers: 2, ...(options.dropLast === undefined ? {} : { dropLast: options.dropLast }),
    ...(options.onError ? { onError: options.onError } : {}),
  });
}

/** An unshuffled loader over the same items (a validation-like order, easy to reason about). */
function inOrder(dl: DataLoader, dropLast: boolean): DataLoader {
  return new DataLoader(dl.dataset, dl.pipeline, { bs: dl.bs, dropLast, shuffle: false, seed: dl.seed, device: 'cpu', numWorkers: 2 });
}

/** One epoch of `dl`: the items of each batch. */
async function epoch(dl: DataLoader): Promise<number[][]> {
  const out: number[][] = [];
  for await (const batch of dl) {
    out.push(Array.from(batch[0]!.toTypedArray() as Float32Array));
    torch.dispose(batch);
  }
  return out;
}

/** Runs `fn` with process warnings silenced (skipped samples warn). */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const listeners = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', () => undefined);
  try {
    return await fn();
  } finally {
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    process.removeAllListeners('warning');
    for (const l of listeners) process.on('warning', l);
  }
}

describe('DistributedDL: each rank\'s share of a loader', () => {
  it('shardOrder pads by repeating the start and cuts contiguous slices that cover every position', () => {
    const order = [5, 3, 8, 1, 9, 0, 2];
    const shards = [0, 1, 2].map((r) => shardOrder(order, r, 3));
    assert.deepEqual(shards, [[5, 3, 8], [1, 9, 0], [2, 5, 3]]);
    assert.deepEqual(new Set(shards.flat()), new Set(order));
    assert.deepEqual(shardOrder([1, 2], 3, 4), [2], 'fewer items than ranks: the order repeats');
    assert.throws(() => shardOrder(order, 2, 2), /rank 2 is not below worldSize 2/);
  });

  for (const dropLast of [true, false]) {
    it(`2 and 3 ranks (dropLast ${dropLast}): equal batch counts and sizes, different slices, every item served, the same again for the same epoch`, async () => {
      for (const world of [2, 3]) {
        // One process per rank: each builds the same loaders from the same seed.
        const rankDls = await Promise.all(Array.from({ length: world }, () => loaders(23, { bs: 4, dropLast })));
        const dls = rankDls[1]!;
        const per = Math.ceil(23 / world);
        const views = rankDls.map((d, r) => new DistributedDL(d.train, r, world));
        const firstEpoch = dls.train.epoch;
        const runs = await Promise.all(views.map((v) => epoch(v)));
        const want = dropLast ? Math.floor(per / 4) : Math.ceil(per / 4);
        for (const [r, run] of runs.entries()) {
          assert.equal(run.length, want, `rank ${r} of ${world}: batches`);
          assert.equal(views[r]!.length, want);
          assert.deepEqual(run.map((b) => b.length), runs[0]!.map((b) => b.length), `rank ${r}: batch sizes as rank 0's`);
          assert.deepEqual(run.flat(), views[r]!.positions, 'positions name the served items');
          assert.deepEqual(run.flat(), views[r]!.shard(firstEpoch).slice(0, run.flat().length), 'served in the shard\'s order');
        }
        if (!dropLast) {
          const served = runs.flat(2);
          assert.equal(served.length, per * world, 'the padded order, all of it');
          assert.deepEqual(new Set(served).size, 23, 'every item');
        }
        // The shuffle is the loader's, so the slices partition the global order.
        const global = dls.train.datasetOrder(firstEpoch);
        assert.deepEqual(views.map((v) => v.shard(firstEpoch)).flat().slice(0, 23), global);
        assert.notDeepEqual(runs[0]![0], runs[1]![0], 'ranks get different items');
        // Advancing: each view moved the source's epoch; the same epoch again gives the same batches.
        assert.equal(dls.train.epoch, firstEpoch + 1, 'the iteration advanced the source');
        const again = new DistributedDL(dls.train, 1, world);
        const replay: number[][] = [];
        for await (const b of again.iterate(firstEpoch)) {
          replay.push(Array.from(b[0]!.toTypedArray() as Float32Array));
          torch.dispose(b);
        }
        assert.deepEqual(replay, runs[1], 'deterministic per epoch');
        assert.notDeepEqual(again.shard(firstEpoch + 1), again.shard(firstEpoch), 'epochs reshuffle');
      }
    });
  }

  it('batch augmentation is keyed by the global batch: rank 0 and rank 1 draw differently for their batch 0', async () => {
    const dls = await loaders(16, { bs: 4 });
    const a = new DistributedDL(dls.train, 0, 2).batchContext(0, 0).rng.random();
    const b = new DistributedDL(dls.train, 1, 2).batchContext(0, 0).rng.random();
    assert.notEqual(a, b);
    assert.equal(new DistributedDL(dls.train, 1, 2).batchContext(0, 2).rng.random(), dls.train.batchContext(0, 5).rng.random(), 'batch 2 of rank 1 is global batch 5');
  });

  it("onError 'skip': a rank that meets unreadable items still serves the same number and sizes of batches, from its own slice", async () => {
    for (const dropLast of [true, false]) {
      // Validation-like (no shuffle): rank 0 gets items 0..10, rank 1 gets 11..20 and item 0 as padding.
      // Rank 0 keeps 7 readable items of 11: alone it would serve 1 full batch (or 4 + 3), rank 1 serves 2 (4, 4, 3).
      const bad = [2, 3, 7, 9];
      const sources = await Promise.all([0, 1].map(async () => inOrder((await loaders(21, { bs: 4, bad, onError: 'skip' })).train, dropLast)));
      const views = sources.map((d, r) => new DistributedDL(d, r, 2));
      const [r0, r1] = await quietly(() => Promise.all(views.map((v) => epoch(v))));
      const dls = { train: sources[0]! };
      assert.deepEqual(r0!.map((b) => b.length), r1!.map((b) => b.length), `dropLast ${dropLast}: batch sizes`);
      assert.equal(r0!.length, views[0]!.length);
      const slice0 = new Set(views[0]!.shard(0));
      assert.deepEqual([...slice0], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      assert.ok(r0!.flat().every((i) => slice0.has(i) && !bad.includes(i)), `rank 0 serves readable items of its slice: ${r0!.flat()}`);
      assert.deepEqual([...views[0]!.skipped.keys()].sort(), bad.filter((i) => slice0.has(i)).sort());
      // The next epoch knows them from the start; released, the source knows them too.
      const next = await epoch(views[0]!);
      assert.equal(next.length, views[0]!.length);
      views[0]!.release();
      assert.deepEqual([...dls.train.skipped.keys()].sort(), [...views[0]!.skipped.keys()].sort());
    }
  });

  it('a rank whose whole slice is unreadable throws, naming the rank, instead of serving fewer batches', async () => {
    const dls = await loaders(8, { bs: 2, bad: [0, 1, 2, 3], onError: 'skip' });
    const view = new DistributedDL(inOrder(dls.train, false), 0, 2);
    await quietly(() => assert.rejects(epoch(view), /rank 0 could serve only 0 of the 2 batches/));
  });

  it('refuses a bs larger than a rank\'s share with dropLast, saying how many it has', async () => {
    const dls = await loaders(10, { bs: 4, dropLast: true });
    assert.throws(() => new DistributedDL(dls.train, 0, 4), /bs 4 is larger than this rank's 3 of the 10 samples \(4 ranks\)/);
  });
});
