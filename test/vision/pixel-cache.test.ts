import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { clearPixelCache, Image, pixelCacheEnabled, pixelCacheStats, setPixelCacheLimit } from '../../src/index.js';
import { tempDir, writeImage } from '../data/fixtures.js';

async function pixels(path: string): Promise<number[]> {
  const img = (await Image.open(path)).crop({ left: 2, top: 1, width: 20, height: 14 }).resize(12, 9);
  const t = await img.toTensor();
  try {
    return Array.from(t.contiguous().toTypedArray() as Uint8Array);
  } finally {
    t.dispose();
  }
}

describe('pixel cache', () => {
  afterEach(() => setPixelCacheLimit(0));

  it('is off by default; on, the second open reuses the decoded pixels and gives the same result', async (t) => {
    assert.equal(pixelCacheEnabled(), false);
    const file = await writeImage(join(tempDir(t), 'a.jpg'), { width: 24, height: 16 });
    setPixelCacheLimit(2 ** 20);
    const first = await pixels(file);
    assert.deepEqual(pixelCacheStats(), { entries: 1, bytes: 24 * 16 * 3, limitBytes: 2 ** 20 });
    const img = await Image.open(file);
    assert.equal(img.format, 'jpeg');
    assert.deepEqual(await pixels(file), first);
    assert.equal(pixelCacheStats().entries, 1);
  });

  it('takes no more once full, and images it cannot hold still give the same pixels every time', async (t) => {
    const dir = tempDir(t);
    const a = await writeImage(join(dir, 'a.jpg'), { width: 24, height: 16 });
    const b = await writeImage(join(dir, 'b.jpg'), { width: 24, height: 16, color: [10, 200, 30] });
    setPixelCacheLimit(24 * 16 * 3 + 10); // room for one
    await pixels(a);
    const b1 = await pixels(b);
    assert.equal(pixelCacheStats().entries, 1);
    assert.deepEqual(await pixels(b), b1);
  });

  it('decodes a changed file again', async (t) => {
    const file = join(tempDir(t), 'a.jpg');
    await writeImage(file, { width: 24, height: 16, color: [200, 0, 0] });
    setPixelCacheLimit(2 ** 20);
    const red = await pixels(file);
    await writeImage(file, { width: 24, height: 16, color: [0, 0, 200] });
    const blue = await pixels(file);
    assert.notDeepEqual(blue, red);
    assert.ok(blue[0]! < 50 && red[0]! > 150, `first red value ${red[0]} then ${blue[0]}`);
  });

  it('turning it off empties it; bad budgets are refused', () => {
    setPixelCacheLimit(2 ** 20);
    setPixelCacheLimit(0);
    assert.deepEqual(pixelCacheStats(), { entries: 0, bytes: 0, limitBytes: 0 });
    assert.throws(() => setPixelCacheLimit(-1), /bytes must be a number >= 0, got -1/);
    clearPixelCache();
    assert.equal(pixelCacheStats().entries, 0);
  });
});
