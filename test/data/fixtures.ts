/**
 * Small images and folders made on the fly in a temporary directory (nothing is written into
 * ../shared or the repository).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import sharp from 'sharp';

/** A fresh temporary folder, removed when the test ends (pass `{ after }` from node:test for a whole file). */
export function tempDir(t: { after: (fn: () => void) => void } | Pick<TestContext, 'after'>, prefix = 'fastai-ts-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  (t.after as (fn: () => void) => void)(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Options for {@link imageBytes}. */
export interface ImageSpec {
  width?: number;
  height?: number;
  format?: 'jpeg' | 'png' | 'gif' | 'webp';
  /** Fill colour; a horizontal gradient is added so crops and flips are visible. */
  color?: [number, number, number];
  /** 1 (grey), 2 (grey + alpha), 3 or 4 (RGBA) stored channels. Default 3. */
  channels?: 1 | 2 | 3 | 4;
  /** EXIF orientation to store. */
  orientation?: number;
}

/** Encoded bytes of a small image. */
export async function imageBytes(spec: ImageSpec = {}): Promise<Buffer> {
  const { width = 24, height = 16, format = 'jpeg', color = [200, 80, 40], channels = 3 } = spec;
  const raw = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      const g = Math.round((255 * x) / Math.max(1, width - 1));
      if (channels <= 2) {
        raw[o] = g;
        if (channels === 2) raw[o + 1] = 255;
      } else {
        raw[o] = color[0];
        raw[o + 1] = color[1];
        raw[o + 2] = g;
        if (channels === 4) raw[o + 3] = 255;
      }
    }
  }
  let s = sharp(raw, { raw: { width, height, channels } });
  if (format === 'jpeg') s = s.jpeg({ quality: 95 });
  else if (format === 'png') s = s.png();
  else if (format === 'gif') s = s.gif();
  else s = s.webp();
  if (spec.orientation) s = s.withMetadata({ orientation: spec.orientation });
  return s.toBuffer();
}

/** Writes an image file (creating folders). */
export async function writeImage(path: string, spec: ImageSpec = {}): Promise<string> {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, await imageBytes(spec));
  return path;
}

/** Distinct colours for classes. */
export const COLORS: [number, number, number][] = [[220, 30, 30], [30, 200, 40], [40, 60, 230], [230, 200, 20]];

/**
 * Writes `perClass` images of each label into `root/<sub>/<label>/<label>_<i>.jpg` (or into
 * `root/<label>_<i>.jpg` when `sub` is null). Sizes vary so collation needs a Resize.
 */
export async function writeClassImages(root: string, labels: readonly string[], perClass: number, sub: string | null = null): Promise<string[]> {
  const files: string[] = [];
  for (const [k, label] of labels.entries()) {
    for (let i = 0; i < perClass; i++) {
      const dir = sub === null ? root : join(root, sub, label);
      const file = join(dir, `${label}_${i}.jpg`);
      await writeImage(file, { width: 20 + 2 * i, height: 16 + i, color: COLORS[k % COLORS.length] });
      files.push(file);
    }
  }
  return files;
}
