import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { augTransforms, RandomResizedCrop, Resize } from '../../src/vision/index.js';

describe('transform options are checked when the transform is made', () => {
  it('augTransforms rejects sizes, scales, angles and probabilities that make no sense, naming the option and the value', () => {
    const cases: [Parameters<typeof augTransforms>[0], RegExp][] = [
      [{ size: 0 }, /augTransforms: size must be a positive integer or \[height, width\] of positive integers, got 0/],
      [{ size: [224, 0] }, /size must be .* got \[224, 0\]/],
      [{ size: 22.5 }, /size must be .* got 22\.5/],
      [{ size: '224' as unknown as number }, /size must be .* got the string '224'/],
      [{ minScale: 0 }, /minScale must be a finite number in \(0, 1\], got 0/],
      [{ minScale: 1.5 }, /minScale must be a finite number in \(0, 1\], got 1\.5/],
      [{ maxRotate: -5 }, /maxRotate must be a finite number >= 0, got -5/],
      [{ maxRotate: NaN }, /maxRotate must be a finite number >= 0, got NaN/],
      [{ pFlip: 2 }, /pFlip must be a finite number in \[0, 1\], got 2/],
      [{ pAffine: -0.1 }, /pAffine must be a finite number in \[0, 1\], got -0\.1/],
      [{ pLighting: 1.1 }, /pLighting must be a finite number in \[0, 1\], got 1\.1/],
      [{ maxLighting: 1 }, /maxLighting must be a finite number in \[0, 1\), got 1/],
      [{ maxWarp: 1 }, /maxWarp must be a finite number in \[0, 1\), got 1/],
      [{ minZoom: 0 }, /minZoom must be a finite number > 0, got 0/],
      [{ minZoom: 1.2, maxZoom: 1.1 }, /maxZoom must be a finite number >= 1\.2, got 1\.1/],
      [{ ratio: [2, 1] }, /ratio must be \[lo, hi\] with 0 < lo <= hi .* got \[2, 1\]/],
      [{ padMode: 'mirror' as 'zeros' }, /padMode must be one of 'zeros', 'border', 'reflection'; got the string 'mirror'/],
      [{ mode: 'linear' as 'bilinear' }, /mode must be one of 'bilinear', 'nearest', 'bicubic'; got the string 'linear'/],
      [{ doFlip: 1 as unknown as boolean }, /doFlip must be true or false, got 1/],
      [{ mult: -1 }, /mult must be a finite number >= 0, got -1/],
    ];
    for (const [options, message] of cases) assert.throws(() => augTransforms(options), message, JSON.stringify(options));
    assert.equal(augTransforms({ size: [96, 128], minScale: 0.75, pFlip: 0, maxLighting: 0 }).length, 1, 'valid options still work');
  });

  it('Resize and RandomResizedCrop say NaN, not null, and check their other options', () => {
    assert.throws(() => Resize(NaN), /Resize: size must be a positive integer or \[height, width\] of positive integers, got NaN/);
    assert.throws(() => Resize([NaN, 3]), /got \[NaN, 3\]/);
    assert.throws(() => Resize(32, { method: 'fit' as 'crop' }), /method must be one of 'crop', 'pad', 'squish'; got the string 'fit'/);
    assert.throws(() => Resize(32, { padMode: 'mirror' as 'zeros' }), /padMode must be one of 'reflection', 'border', 'zeros'/);
    assert.throws(() => RandomResizedCrop(32, { minScale: 0 }), /minScale must be a finite number in \(0, 1\], got 0/);
    assert.throws(() => RandomResizedCrop(32, { ratio: [0, 1] }), /ratio must be \[lo, hi\]/);
    assert.deepEqual(Resize([20, 30]).size, [20, 30], '[height, width], as given');
  });
});
