import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { F, torch, type Tensor } from '../../src/index.js';
import { Rng, type BatchContext } from '../../src/data/index.js';
import {
  AffineAug, affineCoord, augTransforms, composeMats, cropMat, dihedralMat, flipMat, identityMat, Lighting, matmul3,
  Normalize, imagenetStats, rotateMat, warpMat, zoomMat, type Mat3,
} from '../../src/vision/index.js';
import { assertClose } from '../helpers.js';

const ctx = (split: 'train' | 'valid', seed = 1): BatchContext => ({ split, rng: new Rng(seed), kinds: ['image', 'category'] });

function values(t: Tensor): number[] {
  return Array.from(t.contiguous().toTypedArray() as Float32Array);
}

/** A batch of distinct, smooth-ish random images in [0, 1]. */
function images(n: number, h: number, w: number, seed = 0): Tensor {
  torch.manualSeed(seed);
  return torch.rand([n, 3, h, w]);
}

function run(tfms: ReturnType<typeof augTransforms>, x: Tensor, c: BatchContext): Tensor {
  return torch.tidy(() => {
    let b: Tensor[] = [x, torch.zeros([x.shape[0]!], { dtype: 'int64' })];
    for (const t of tfms) b = t.apply(b, c);
    return b[0]!;
  });
}

describe('composed affine augmentation: identities that pin the matrix maths', () => {
  it('with every probability 0 and no crop, equals the plain bilinear resize', () => {
    const x = images(3, 40, 40);
    const tfms = augTransforms({ size: 24, pFlip: 0, pAffine: 0, pLighting: 0 });
    const got = run(tfms, x, ctx('train'));
    const want = F.interpolate(x, { size: 24, mode: 'bilinear', alignCorners: true });
    assert.deepEqual(got.shape, [3, 3, 24, 24]);
    assertClose(values(got), values(want), { atol: 1e-5 });
  });

  it('with every probability 0 and the same size, returns the batch untouched', () => {
    const x = images(2, 16, 16);
    const got = run(augTransforms({ pFlip: 0, pAffine: 0, pLighting: 0 }), x, ctx('train'));
    assert.equal(got, x);
  });

  it('a pure horizontal flip equals tensor.flip(-1)', () => {
    const x = images(4, 20, 30);
    const tfms = augTransforms({ pFlip: 1, maxRotate: 0, maxZoom: 1, maxWarp: 0, maxLighting: 0 });
    assertClose(values(run(tfms, x, ctx('train'))), values(x.flip(-1)), { atol: 1e-5 });
  });

  it('a 90 degree rotation of a square image equals the transposed-and-flipped image', () => {
    const x = images(2, 17, 17);
    assertClose(values(affineCoord(x, [rotateMat(90)])), values(x.transpose(-1, -2).flip(-1)), { atol: 1e-5 });
    assertClose(values(affineCoord(x, [rotateMat(-90)])), values(x.transpose(-1, -2).flip(-2)), { atol: 1e-5 });
    assertClose(values(affineCoord(x, [rotateMat(180)])), values(x.flip(-1).flip(-2)), { atol: 1e-5 });
  });

  it('the identity matrix through affineCoord gives the input back, and the same grid as affineGrid', () => {
    const x = images(2, 9, 13);
    assertClose(values(affineCoord(x, [identityMat])), values(x), { atol: 1e-5 });
    const theta = torch.tensor([[[0.9, 0.1, 0.05], [-0.1, 0.8, 0]]]).expand(2, 2, 3).contiguous();
    const viaGrid = F.gridSample(x, F.affineGrid(theta, [2, 3, 9, 13], true), { paddingMode: 'reflection', alignCorners: true });
    const m: Mat3 = [0.9, 0.1, 0.05, -0.1, 0.8, 0, 0, 0, 1];
    assertClose(values(affineCoord(x, [m])), values(viaGrid), { atol: 1e-5 });
  });

  it('one composed matrix equals applying its parts one after the other (output -> input order)', () => {
    const x = images(1, 15, 15);
    const step1 = affineCoord(x, [flipMat()]);
    const sequential = affineCoord(step1, [rotateMat(90)]);
    const composed = affineCoord(x, [matmul3(flipMat(), rotateMat(90))]);
    assertClose(values(composed), values(sequential), { atol: 1e-5 });
    // sampling at flip(rotate90(p)) reads in[H-1-j, W-1-i]: the anti-transpose
    assertClose(values(composed), values(x.transpose(-1, -2).flip(-1).flip(-2)), { atol: 1e-5 });
  });

  it("the 8 dihedral matrices give the square's 8 symmetries", () => {
    const x = images(1, 11, 11);
    const t = x.transpose(-1, -2);
    const expected = [x, x.flip(-1), x.flip(-2), x.flip(-1).flip(-2), t, t.flip(-1), t.flip(-2), t.flip(-1).flip(-2)].map(values);
    const got = Array.from({ length: 8 }, (_, k) => values(affineCoord(x, [dihedralMat(k)])));
    assertClose(got[0]!, expected[0]!, { atol: 1e-5 });
    for (const e of expected) {
      assert.ok(got.some((g) => g.every((v, i) => Math.abs(v - e[i]!) < 1e-5)), 'every symmetry is produced by some k');
    }
  });

  it('zoom, crop and warp matrices have the documented geometry', () => {
    assertClose(zoomMat(1, 0.3, 0.9), [1, 0, 0, 0, 1, 0, 0, 0, 1], { atol: 0 });
    // zoom 2 centred at the right edge samples the right half of the input
    const z = zoomMat(2, 1, 0.5);
    assert.deepEqual([z[0], z[2], z[4], z[5]], [0.5, 0.5, 0.5, 0]);
    assert.deepEqual(cropMat(0.5, 0.25, 0.5, -0.75), [0.5, 0, 0.5, 0, 0.25, -0.75, 0, 0, 1]);
    assert.deepEqual(warpMat(0, 0), identityMat);
    // the warp homography maps each target corner back onto its original corner
    const [mx, my] = [0.15, -0.1];
    const h = warpMat(mx, my);
    const targ = [[-1 - my, -1 - mx], [-1 + my, 1 + mx], [1 + my, -1 + mx], [1 - my, 1 - mx]];
    const orig = [[-1, -1], [-1, 1], [1, -1], [1, 1]];
    targ.forEach(([px, py], i) => {
      const d = h[6]! * px! + h[7]! * py! + h[8]!;
      assertClose([(h[0]! * px! + h[1]! * py! + h[2]!) / d, (h[3]! * px! + h[4]! * py! + h[5]!) / d], orig[i]!, { atol: 1e-9 });
    });
    assert.deepEqual(composeMats(), [...identityMat]);
  });

  it('composes warp @ flip @ rotate @ zoom @ crop, as fastai orders them', () => {
    const aug = AffineAug({ minScale: 0.5 });
    const p = { flip: 1, rotate: 30, zoom: 1.05, zoomCol: 0.2, zoomRow: 0.7, warpX: 0.1, warpY: -0.05, crop: [0.8, 0.7, 0.1, -0.2] as [number, number, number, number] };
    const want = composeMats(warpMat(0.1, -0.05), flipMat(), rotateMat(30), zoomMat(1.05, 0.2, 0.7), cropMat(0.8, 0.7, 0.1, -0.2));
    assertClose(aug.matrix(p) as number[], want, { atol: 1e-12 });
  });

  it('draws parameters per item: identical images come out different, and a seed repeats them', () => {
    const one = images(1, 24, 24);
    const x = one.expand(6, 3, 24, 24).contiguous();
    const tfms = augTransforms({ size: 16, minScale: 0.75 });
    const a = run(tfms, x, ctx('train', 7));
    const b = run(tfms, x, ctx('train', 7));
    const c = run(tfms, x, ctx('train', 8));
    assert.deepEqual(values(a), values(b));
    assert.notDeepEqual(values(a), values(c));
    const items = a.split(1).map(values);
    assert.ok(new Set(items.map((v) => v.slice(0, 50).join())).size > 1, 'items of a batch get their own parameters');
  });

  it('keeps random crops inside the image and zoom/rotation within their ranges', () => {
    const aug = AffineAug({ minScale: 0.3, maxRotate: 10, minZoom: 1, maxZoom: 1.1 });
    const rng = new Rng(3);
    for (let i = 0; i < 200; i++) {
      const p = aug.draw(rng, 460, 460);
      const [fx, fy, cx, cy] = p.crop;
      assert.ok(fx * fy >= 0.3 - 0.01 && fx <= 1 && fy <= 1, `crop area ${fx * fy}`);
      assert.ok(Math.abs(cx) + fx <= 1 + 1e-9 && Math.abs(cy) + fy <= 1 + 1e-9, `crop inside: ${p.crop}`);
      assert.ok(Math.abs(p.rotate) <= 10 && p.zoom >= 1 && p.zoom <= 1.1);
      assert.ok(p.flip === 0 || p.flip === 1);
    }
  });

  it('validation gets only the deterministic resize to the final size', () => {
    const x = images(2, 30, 30);
    const tfms = augTransforms({ size: 20, minScale: 0.5 });
    const v1 = run(tfms, x, ctx('valid', 1));
    const v2 = run(tfms, x, ctx('valid', 2));
    assert.deepEqual(values(v1), values(v2));
    assertClose(values(v1), values(F.interpolate(x, { size: 20, mode: 'bilinear', alignCorners: true })), { atol: 1e-6 });
    // a non-square validation batch is centre-cropped to the square aspect, not squished
    const wide = images(1, 20, 40);
    const v = run(tfms, wide, ctx('valid'));
    assert.deepEqual(v.shape, [1, 3, 20, 20]);
    const centre = affineCoord(wide, [cropMat(0.5, 1)], { size: 20 });
    assertClose(values(v), values(centre), { atol: 1e-6 });
  });

  it('leaves tensors of other kinds alone and frees its intermediates', () => {
    const x = images(2, 12, 12);
    const y = torch.tensor([1, 2]);
    const before = torch.memory().liveTensors;
    const out = torch.tidy(() => {
      let b = [x, y];
      for (const t of augTransforms({ size: 8 })) b = t.apply(b, ctx('train'));
      return b;
    });
    assert.equal(out[1], y);
    assert.deepEqual(out[0]!.shape, [2, 3, 8, 8]);
    out[0]!.dispose();
    assert.equal(torch.memory().liveTensors, before);
  });
});

describe('lighting and normalisation', () => {
  it('is the identity with neutral parameters and follows sigmoid((logit(x) + logit(b)) * c)', () => {
    const light = Lighting();
    const x = torch.tensor([0.25, 0.5, 0.9, 0, 1]).reshape(1, 1, 1, 5);
    assertClose(values(light.applyParams(x, { brightness: [0.5], contrast: [1] })), [0.25, 0.5, 0.9, 0, 1], { atol: 1e-6 });
    const got = values(light.applyParams(x, { brightness: [0.5], contrast: [2] }));
    assertClose(got[0]!, 0.1, { atol: 1e-6 }); // sigmoid(2 * logit(0.25)) = 1/10
    const brighter = values(light.applyParams(x, { brightness: [0.6], contrast: [1] }));
    assertClose(brighter[1]!, 0.6, { atol: 1e-6 });
    assert.ok(brighter[0]! > 0.25);
  });

  it('draws brightness in [0.4, 0.6] and contrast in [0.8, 1.25] by default, and only on training batches', () => {
    const light = Lighting();
    const p = light.draw(500, new Rng(5));
    assert.ok(p.brightness.every((b) => b >= 0.4 && b <= 0.6));
    assert.ok(p.contrast.every((c) => c >= 0.8 - 1e-12 && c <= 1.25 + 1e-12));
    const neutral = p.brightness.filter((b) => b === 0.5).length / 500;
    assert.ok(neutral > 0.15 && neutral < 0.35, `about a quarter of items keep their brightness (p 0.75), got ${neutral}`);
    const x = images(2, 4, 4);
    assert.equal(light.apply([x], { split: 'valid', rng: new Rng(1), kinds: ['image'] })[0], x);
  });

  it('Normalize standardises image channels and decode undoes it', () => {
    const norm = Normalize.fromStats(...imagenetStats);
    const x = torch.full([1, 3, 2, 2], 0.5);
    const c: BatchContext = { split: 'valid', rng: new Rng(0), kinds: ['image'] };
    const [n] = norm.apply([x], c);
    assertClose(values(n!).filter((_, i) => i % 4 === 0), [(0.5 - 0.485) / 0.229, (0.5 - 0.456) / 0.224, (0.5 - 0.406) / 0.225], { atol: 1e-5 });
    assertClose(values(norm.decode!([n!], c)[0]!), values(x), { atol: 1e-6 });
    assert.throws(() => norm.apply([torch.zeros([1, 1, 2, 2])], c), /1 channels but the stats have 3/);
  });
});
