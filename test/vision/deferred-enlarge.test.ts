import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { F, torch, type Tensor } from '../../src/index.js';
import { CategoryBlock, DataBlock, getImageFiles, RandomSplitter, RegexLabeller, type BatchTransform } from '../../src/data/index.js';
import { affineCoord, augTransforms, canDeferEnlarge, collateImages, composeMats, DeferredResize, flipMat, ImageBlock, ResamplePlan, Resize, rotateMat, zoomMat } from '../../src/vision/index.js';
import { assertClose, haveShared, sharedPath } from '../helpers.js';

const values = (t: Tensor) => Array.from(t.contiguous().toTypedArray() as Float32Array);

/** Two items of different sizes in one zero-padded batch, as collateImages builds it. */
function canvasOf(contents: Tensor[]): { x: Tensor; sizes: [number, number][] } {
  const sizes = contents.map((c) => [c.shape[2]!, c.shape[3]!] as [number, number]); // [height, width]
  const h = Math.max(...sizes.map((s) => s[0]));
  const w = Math.max(...sizes.map((s) => s[1]));
  const x = torch.full([contents.length, 3, h, w], 7); // garbage where no item is: must never be read
  contents.forEach((c, i) => x.select(0, i).narrow(1, 0, sizes[i]![0]).narrow(2, 0, sizes[i]![1]).copy_(c.squeeze(0)));
  return { x, sizes };
}

describe('enlarging inside the batch resample (deferred enlargement)', () => {
  it('equals a bilinear resize followed by the same sampling, for any pixels, at the output size', () => {
    torch.manualSeed(0);
    // Items of different sizes, and items of one size (which take the scalar-bounds path).
    for (const [a, b] of [[torch.rand([1, 3, 9, 12]), torch.rand([1, 3, 11, 7])], [torch.rand([1, 3, 9, 9]), torch.rand([1, 3, 9, 9])]]) {
      const { x, sizes } = canvasOf([a!, b!]);
      const target: [number, number] = [20, 16]; // [height, width] both stand for
      for (const alignCorners of [true, false]) {
        for (const padMode of ['reflection', 'border'] as const) {
          const got = affineCoord(x, [composeMats()], { size: [20, 16], alignCorners, padMode, content: { target, sizes } });
          // The reference: really enlarge each item (bilinear, as the CPU resize does), then sample it at identity.
          const want = torch.cat([a!, b!].map((c) => affineCoord(F.interpolate(c, { size: [20, 16], mode: 'bilinear', alignCorners: false }), [composeMats()], { alignCorners, padMode })));
          assertClose(values(got), values(want), { atol: 1e-5, message: `sizes ${JSON.stringify(sizes)}, alignCorners ${alignCorners}, ${padMode}` });
        }
      }
    }
  });

  it('gives each item the same pixels whatever else is in its batch', () => {
    torch.manualSeed(1);
    const a = torch.rand([1, 3, 9, 9]);
    const alone = canvasOf([a, a]);
    const mixed = canvasOf([a, torch.rand([1, 3, 13, 11])]);
    const mats = [composeMats(flipMat(), rotateMat(20), zoomMat(0.8, 0.5, 0.5))];
    const one = affineCoord(alone.x, mats, { size: 12, content: { target: [20, 20], sizes: alone.sizes } });
    const two = affineCoord(mixed.x, mats, { size: 12, content: { target: [20, 20], sizes: mixed.sizes } });
    assertClose(values(one.select(0, 0)), values(two.select(0, 0)), { atol: 1e-5 });
  });

  it('applies flips, rotations and zooms to the enlarged image (exact on smooth images away from the edges)', () => {
    // Bilinear interpolation reproduces a linear ramp exactly, so one resample and two agree.
    const ramp = (h: number, w: number) =>
      torch.tidy(() => torch.arange(w, undefined, 1, { dtype: 'float32' }).view(1, 1, 1, w).mul(0.03).add(torch.arange(h, undefined, 1, { dtype: 'float32' }).view(1, 1, h, 1).mul(0.05)).expand(1, 3, h, w).contiguous());
    const [a, b] = [ramp(10, 10), ramp(12, 9)];
    const { x, sizes } = canvasOf([a, b]);
    const mats = [composeMats(flipMat(), rotateMat(8), zoomMat(1.3, 0.5, 0.5)), composeMats(rotateMat(-6), zoomMat(1.4, 0.4, 0.6))];
    const got = affineCoord(x, mats, { size: 12, content: { target: [20, 20], sizes } });
    const want = torch.cat([a, b].map((c, i) => affineCoord(F.interpolate(c, { size: [20, 20], mode: 'bilinear', alignCorners: false }), [mats[i]!], { size: 12 })));
    assertClose(values(got), values(want), { atol: 2e-4 });
  });

  it('reads zeros outside the enlarged image in zeros mode, never the batch padding', () => {
    const { x, sizes } = canvasOf([torch.ones([1, 3, 4, 4]), torch.ones([1, 3, 6, 6])]);
    const got = affineCoord(x, [zoomMat(0.5, 0.5, 0.5)], { size: 8, padMode: 'zeros', alignCorners: false, content: { target: [8, 8], sizes } });
    const want = torch.cat([0, 1].map(() => affineCoord(torch.ones([1, 3, 8, 8]), [zoomMat(0.5, 0.5, 0.5)], { size: 8, padMode: 'zeros', alignCorners: false })));
    assertClose(values(got), values(want), { atol: 1e-5 });
    assert.ok(got.max().item() <= 1 + 1e-6, 'read the padding value 7');
  });

  it('collates deferred images into a zero batch as large as the largest, recording sizes', () => {
    const items = [new DeferredResize(torch.ones([3, 4, 5], { dtype: 'uint8' }), [10, 10]), new DeferredResize(torch.ones([3, 6, 3], { dtype: 'uint8' }), [10, 10])];
    const out = collateImages(items) as { tensor: Tensor; layout: ResamplePlan };
    assert.deepEqual(out.tensor.shape, [2, 3, 6, 5]);
    assert.ok(out.layout instanceof ResamplePlan);
    assert.deepEqual({ target: out.layout.target, sizes: out.layout.sizes }, { target: [10, 10], sizes: [[4, 5], [6, 3]] });
    assert.equal(String(out.layout), 'images at their decoded size, 4x5, 6x3, stand for 10x10: the batch resample enlarges them');
    assert.equal(out.tensor.sum().item(), 3 * 4 * 5 + 3 * 6 * 3);
    const other = new DeferredResize(torch.ones([3, 2, 2], { dtype: 'uint8' }), [12, 10]); // [height, width]
    assert.throws(() => collateImages([items[0], other]), /images stand for different sizes: \[3, 10, 10\], \[3, 12, 10\]/);
  });

  it("gives the pets' validation batches of the two-resample pipeline, closely", async (t) => {
    if (!haveShared(t, ['data', 'pets'])) return;
    const make = (extra: BatchTransform[]) =>
      new DataBlock({
        blocks: [ImageBlock(), CategoryBlock()],
        getItems: (p: string) => getImageFiles(p).slice(0, 24),
        getY: RegexLabeller(/([^/]+)_\d+\.jpg$/),
        splitter: RandomSplitter({ seed: 42, validPct: 0.5 }),
        itemTfms: Resize(460),
        batchTfms: [...augTransforms({ size: 224, minScale: 0.75 }), ...extra],
      }).dataloaders(sharedPath('data', 'pets'), { bs: 12, seed: 1, device: 'cpu' });
    // A non-pointwise transform before the augmentation turns deferral off: the classic two resamples.
    const blocker: BatchTransform = { name: 'Blocker', order: 20, apply: (b) => b };
    const [deferred, classic] = [await make([]), await make([blocker])];
    assert.equal(canDeferEnlarge(deferred.valid.pipeline.batchTfms), true);
    assert.equal(canDeferEnlarge(classic.valid.pipeline.batchTfms), false);
    const [x1] = await deferred.valid.oneBatch();
    const [x2] = await classic.valid.oneBatch();
    assert.deepEqual(x1!.shape, x2!.shape);
    // Not equal: libvips' 'linear' enlargement is not exactly bilinear (0.006 mean from
    // F.interpolate on these photos), and the classic path resamples twice. A misplaced or
    // misscaled image differs by 0.1 or more.
    const diff = x1!.sub(x2!).abs();
    assert.ok(diff.mean().item() < 0.02, `mean abs difference ${diff.mean().item()}`);
    const mirrored = x1!.sub(x2!.flip(-1)).abs().mean().item();
    assert.ok(mirrored > 0.05, `a mirrored batch differs by only ${mirrored}: the check could not fail`);
  });

  it('is on only when the first transform that is not pointwise resamples with the plan', () => {
    const [affine, lighting] = augTransforms({ size: 8 }) as [BatchTransform, BatchTransform];
    const toFloat: BatchTransform = { name: 'f', order: 10, pointwise: true, apply: (b) => b };
    const geometric: BatchTransform = { name: 'g', order: 20, apply: (b) => b };
    assert.equal(canDeferEnlarge([toFloat, affine, lighting]), true);
    assert.equal(canDeferEnlarge([toFloat, geometric, affine]), false);
    assert.equal(canDeferEnlarge([toFloat, lighting]), false);
  });
});
