/**
 * Where Image's bytes come from: a file is read once per open (header and decode both use the
 * same bytes, so it is opened once), headers are remembered per path, and the colour handling
 * of embedded ICC profiles is chosen here. See docs/decoding.md.
 * @module
 */
import { readFile } from 'node:fs/promises';

/**
 * What decoding does with an embedded ICC colour profile:
 * - `'stored'`: nothing; the pixels are the file's stored RGB values, as PIL (and so fastai and
 *   torchvision) returns them. Models trained with fastai saw these values.
 * - `'srgb'`: converts through the profile to sRGB (what a colour-managed viewer shows). It costs
 *   an lcms transform per photo that carries a profile (about 1.5x the decode's time again).
 * Files without a profile decode the same either way.
 */
export type ColourMode = 'stored' | 'srgb';

let defaultColour: ColourMode = 'stored';

/**
 * Sets the colour handling of images opened from now on without a `colour` option (see
 * {@link ColourMode}). Default `'stored'` (as PIL/fastai). Returns the previous mode.
 */
export function setColourMode(mode: ColourMode): ColourMode {
  if (mode !== 'stored' && mode !== 'srgb') throw new RangeError(`setColourMode: mode must be 'stored' or 'srgb', got ${JSON.stringify(mode)}`);
  const previous = defaultColour;
  defaultColour = mode;
  return previous;
}

/** The colour handling images get when `Image.open` is not given one. */
export function colourMode(): ColourMode {
  return defaultColour;
}

/** What Image needs from a header. */
export interface Header {
  format: string;
  width: number;
  height: number;
}

/**
 * Headers of files already opened, by path. A loader opens the same files every epoch and a
 * header read is a libvips call of its own (~0.3 ms); the bytes are read anyway, so an entry is
 * checked against them (length and last bytes) instead of a stat per open.
 */
interface Entry extends Header {
  length: number;
  tail: Buffer;
}
const headers = new Map<string, Entry>();
const MAX_HEADERS = 200_000;
// A JPEG's last bytes are entropy-coded data: a different picture of the same length differs there.
const TAIL = 32;

const tailOf = (bytes: Uint8Array) => Buffer.from(bytes.subarray(Math.max(0, bytes.length - TAIL)));

/** The remembered header of `path`, if `bytes` are still the bytes it was read from. */
export function cachedHeader(path: string, bytes: Uint8Array): Header | undefined {
  const e = headers.get(path);
  if (!e || e.length !== bytes.length || Buffer.compare(e.tail, bytes.subarray(Math.max(0, bytes.length - TAIL))) !== 0) return undefined;
  return e;
}

/** Remembers the header of `path` read from `bytes`. */
export function rememberHeader(path: string, bytes: Uint8Array, header: Header): void {
  if (!headers.has(path) && headers.size >= MAX_HEADERS) headers.delete(headers.keys().next().value!);
  headers.set(path, { ...header, length: bytes.length, tail: tailOf(bytes) });
}

/** Forgets every remembered header (for tests and for long-lived processes that move on). */
export function clearHeaderCache(): void {
  headers.clear();
}

/** How many headers are remembered. */
export function headerCacheSize(): number {
  return headers.size;
}

/** A file's bytes, or the reason it cannot be read (as the decoder would word it). */
export async function readImageFile(path: string): Promise<Buffer | { reason: string }> {
  try {
    const bytes = await readFile(path);
    return bytes.length === 0 ? { reason: 'the file is empty (0 bytes)' } : bytes;
  } catch (e) {
    return { reason: (e as Error).message };
  }
}

/**
 * Decoded pixels of files already opened, by path (off by default): a loader that decodes the
 * same small photos every epoch can keep them decoded, as a PyTorch script that preloads its PIL
 * images does. Measured on 2 cores (bench/README.md): fine-tuning MobileNet on the 370 pets
 * photos ran 10-13% faster. An entry is checked against the file's bytes, which are still read
 * each time (cheap), so a changed file is decoded again.
 *
 * While the cache is on, every image it could hold (decoded size at most
 * {@link MAX_CACHED_IMAGE_BYTES}) is decoded whole and then cropped and resized from its pixels,
 * whether or not it fits in the budget, so an image gives the same pixels in every epoch and on
 * every run. That path skips JPEG shrink-on-load and can differ from the one-pass decode by a
 * level or two on some photos; larger images always take the one-pass decode.
 */
interface PixelEntry {
  length: number;
  tail: Buffer;
  colour: ColourMode;
  format: string;
  pixels: { data: Buffer; width: number; height: number };
}
const pixels = new Map<string, PixelEntry>();
let pixelBytes = 0;

/** The largest decoded image the pixel cache takes (16 MiB of RGB, about 5.6 megapixels). */
export const MAX_CACHED_IMAGE_BYTES = 16 * 2 ** 20;

function limitFromEnv(): number {
  const v = process.env.FASTAI_TS_PIXEL_CACHE_MB;
  if (v === undefined || v === '') return 0;
  const mb = Number(v);
  if (!Number.isFinite(mb) || mb < 0) throw new RangeError(`FASTAI_TS_PIXEL_CACHE_MB must be a number of MiB >= 0, got '${v}'`);
  return Math.floor(mb * 2 ** 20);
}
let pixelLimit = limitFromEnv();

/**
 * Sets the pixel cache's budget in bytes (0 turns it off and empties it); returns the previous
 * one. Default: `FASTAI_TS_PIXEL_CACHE_MB` MiB from the environment, else 0 (off). Once full it
 * takes no more images (no eviction, so a dataset larger than the budget does not churn).
 * @example
 * setPixelCacheLimit(2 * 2 ** 30); // keep up to 2 GiB of decoded photos
 */
export function setPixelCacheLimit(bytes: number): number {
  if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError(`setPixelCacheLimit: bytes must be a number >= 0, got ${bytes}`);
  const previous = pixelLimit;
  pixelLimit = Math.floor(bytes);
  if (pixelLimit === 0) clearPixelCache();
  return previous;
}

/** Whether the pixel cache is on (its budget is above 0). */
export function pixelCacheEnabled(): boolean {
  return pixelLimit > 0;
}

/** Empties the pixel cache (its budget stays). */
export function clearPixelCache(): void {
  pixels.clear();
  pixelBytes = 0;
}

/** What the pixel cache holds: images, their bytes, and the budget. */
export function pixelCacheStats(): { entries: number; bytes: number; limitBytes: number } {
  return { entries: pixels.size, bytes: pixelBytes, limitBytes: pixelLimit };
}

/** The cached pixels of `path` decoded with `colour`, if `bytes` are still the file's bytes. */
export function cachedPixels(path: string, bytes: Uint8Array, colour: ColourMode): PixelEntry | undefined {
  const e = pixels.get(path);
  if (!e || e.colour !== colour || e.length !== bytes.length || Buffer.compare(e.tail, bytes.subarray(Math.max(0, bytes.length - TAIL))) !== 0) return undefined;
  return e;
}

/** Keeps the decoded pixels of `path` when the budget has room; returns whether it did. */
export function rememberPixels(path: string, bytes: Uint8Array, colour: ColourMode, format: string, decoded: PixelEntry['pixels']): boolean {
  const old = pixels.get(path);
  const size = decoded.data.length;
  if (pixelBytes - (old?.pixels.data.length ?? 0) + size > pixelLimit) return false;
  if (old) pixelBytes -= old.pixels.data.length;
  pixels.set(path, { length: bytes.length, tail: tailOf(bytes), colour, format, pixels: decoded });
  pixelBytes += size;
  return true;
}
