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
