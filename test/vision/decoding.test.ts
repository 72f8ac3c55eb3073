import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { clearHeaderCache, colourMode, Image, ImageReadError, setColourMode } from '../../src/vision/index.js';
import { headerCacheSize } from '../../src/vision/image-source.js';
import { imageBytes, tempDir, writeImage } from '../data/fixtures.js';

/** A PNG's bytes without its iCCP chunk (the same stored pixels, no colour profile). */
function withoutIcc(png: Buffer): Buffer {
  const parts = [png.subarray(0, 8)];
  for (let o = 8; o < png.length; ) {
    const end = o + 12 + png.readUInt32BE(o);
    if (png.toString('latin1', o + 4, o + 8) !== 'iCCP') parts.push(png.subarray(o, end));
    o = end;
  }
  return Buffer.concat(parts);
}

async function rgb(img: Image): Promise<number[]> {
  return [...(await img.toRaw()).data.subarray(0, 3)];
}

describe('Image: colour profiles', () => {
  // A saturated orange stored with a Display P3 profile: the stored values differ from the sRGB ones.
  const orange = Buffer.from(Array.from({ length: 8 * 8 }, () => [230, 90, 20]).flat());
  const p3png = () => sharp(orange, { raw: { width: 8, height: 8, channels: 3 } }).withIccProfile('p3').png().toBuffer();

  it("decodes the stored values by default, as PIL does ('stored'), and converts to sRGB on request", async () => {
    const png = await p3png();
    assert.ok((await sharp(png).metadata()).icc, 'the fixture carries a profile');
    const plain = withoutIcc(png);
    assert.equal((await sharp(plain).metadata()).icc, undefined, 'the stripped copy has none');
    const stored = await rgb(await Image.open(png));
    assert.deepEqual(stored, await rgb(await Image.open(plain)), 'same pixels as the file without its profile');
    const srgb = await rgb(await Image.open(png, { colour: 'srgb' }));
    assert.ok(srgb.every((v, i) => Math.abs(v - orange[i]!) <= 3), `sRGB conversion gives back the original colour, got ${srgb}`);
    assert.ok(stored.some((v, i) => Math.abs(v - srgb[i]!) >= 8), `the stored P3 values ${stored} differ from sRGB ${srgb}`);
  });

  it('setColourMode changes the default for later opens; a bad mode is refused', async () => {
    const png = await p3png();
    assert.equal(colourMode(), 'stored');
    const before = await rgb(await Image.open(png));
    const previous = setColourMode('srgb');
    try {
      assert.equal(previous, 'stored');
      const img = await Image.open(png);
      assert.equal(img.colour, 'srgb');
      assert.notDeepEqual(await rgb(img), before);
      assert.equal(img.resize(4, 4).colour, 'srgb', 'the plan keeps the mode');
    } finally {
      setColourMode(previous);
    }
    assert.throws(() => setColourMode('rgb' as 'srgb'), /setColourMode: mode must be 'stored' or 'srgb', got "rgb"/);
    await assert.rejects(Image.open(png, { colour: 'p3' as 'srgb' }), /Image.open: colour must be 'stored' or 'srgb', got "p3"/);
  });
});

describe('Image: files', () => {
  it('says that an empty file or empty bytes are empty', async (t) => {
    const empty = join(tempDir(t), 'empty.jpg');
    writeFileSync(empty, '');
    await assert.rejects(Image.open(empty), (e: Error) =>
      e instanceof ImageReadError && e.file === empty && /empty\.jpg: the file is empty \(0 bytes\)/.test(e.message) && !/unsupported/.test(e.message));
    await assert.rejects(Image.open(new Uint8Array(0)), /<0 bytes>: the bytes are empty/);
  });

  it('remembers one header per path, and notices when the file changes', async (t) => {
    clearHeaderCache();
    const file = await writeImage(join(tempDir(t), 'a.png'), { width: 30, height: 20, format: 'png' });
    for (let i = 0; i < 3; i++) assert.deepEqual((await Image.open(file)).size, [30, 20]);
    assert.equal(headerCacheSize(), 1);
    writeFileSync(file, await imageBytes({ width: 12, height: 40, format: 'png' }));
    const changed = await Image.open(file);
    assert.deepEqual(changed.size, [12, 40]);
    assert.deepEqual((await changed.toRaw()).height, 40);
    assert.equal(headerCacheSize(), 1);
  });
});

describe('decodeThreads', () => {
  const threadsIn = (env: Record<string, string | undefined>) => {
    const code = "import('./src/vision/decode-threads.ts').then((m) => console.log(JSON.stringify([m.decodeThreads(), m.recommendedDecodeThreads()])))";
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { encoding: 'utf8', env: { ...process.env, UV_THREADPOOL_SIZE: undefined, ...env } });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as [number, number];
  };

  it("reports the pool size Node started with (libuv's 4 when UV_THREADPOOL_SIZE is unset or invalid)", () => {
    assert.deepEqual(threadsIn({ UV_THREADPOOL_SIZE: '7' }), [7, Math.max(4, availableParallelism())]);
    assert.equal(threadsIn({})[0], 4);
    assert.equal(threadsIn({ UV_THREADPOOL_SIZE: 'many' })[0], 4);
  });
});
