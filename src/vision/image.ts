/**
 * Image: a picture decoded by sharp (libvips), by content rather than extension, with its EXIF
 * orientation applied and converted to 8-bit RGB. Embedded ICC profiles are ignored by default,
 * as PIL (and so fastai) does (see ColourMode, docs/decoding.md). Geometry (crop, resize, pad)
 * is recorded and done in the same libvips pass as the decode, so `Resize(460)` costs one
 * decode (with JPEG shrink-on-load when the target is smaller) and one resample.
 * @module
 */
import sharp, { type Metadata } from 'sharp';
import { torch, type Tensor } from '../torch/index.js';
import { checkDecodeThreads } from './decode-threads.js';
import {
  cachedHeader, cachedPixels, colourMode, type ColourMode, MAX_CACHED_IMAGE_BYTES, pixelCacheEnabled, readImageFile, rememberHeader, rememberPixels,
} from './image-source.js';

// libvips' operation cache keeps recent results for reuse; a loader never decodes the same
// request twice in a row, so the cache only costs time (about 25% of a small photo's decode).
sharp.cache(false);

/** Where an image opened from `path` keeps its pixels: only while the pixel cache is on and the image is small enough for it. */
function cacheTarget(path: string, bytes: Uint8Array, width: number, height: number): { path: string; bytes: Uint8Array } | undefined {
  return pixelCacheEnabled() && width * height * 3 <= MAX_CACHED_IMAGE_BYTES ? { path, bytes } : undefined;
}

/** 8-bit RGB pixels, row-major HWC. */
export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
}

function rawToTensor(raw: RawImage): Tensor {
  return torch.tidy(() => torch.tensor(raw.data, [raw.height, raw.width, 3]).permute(2, 0, 1));
}

/**
 * An image tensor at its decoded resolution (uint8 [3, h, w]) that stands for the image
 * enlarged to `size`: the enlargement is left to the batch's resample (see
 * `Image.toDeferredTensor`). ImageBlock collates these; the composed augmentation enlarges them.
 */
export class DeferredResize {
  constructor(
    /** The pixels, uint8 [3, h, w]. */
    readonly tensor: Tensor,
    /** [height, width] the image stands for. */
    readonly size: readonly [height: number, width: number],
  ) {}

  dispose(): void {
    this.tensor.dispose();
  }

  toString(): string {
    const [, h, w] = this.tensor.shape;
    return `Tensor ${this.tensor.dtype} of size 3x${h}x${w}, standing for ${this.size[0]}x${this.size[1]} (enlarged in the batch resample)`;
  }
}

/** A rectangle in pixels. */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** How padding fills: mirror the edge (`'reflection'`), repeat it (`'border'`) or black (`'zeros'`). */
export type PadMode = 'reflection' | 'border' | 'zeros';

/** Resampling kernel (sharp's names). fastai uses bilinear: `'linear'`. */
export type Kernel = 'nearest' | 'linear' | 'cubic' | 'mitchell' | 'lanczos2' | 'lanczos3';

type Op =
  | { type: 'crop'; box: Box }
  | { type: 'resize'; width: number; height: number; kernel: Kernel }
  | { type: 'pad'; top: number; bottom: number; left: number; right: number; mode: PadMode };

/** Thrown when an image cannot be read or decoded; `file` names it. */
export class ImageReadError extends Error {
  constructor(
    readonly file: string,
    /** What the decoder said. */
    readonly reason: string,
  ) {
    super(
      `cannot read image ${file}: ${reason}. ` +
        (/missing|no such file|ENOENT/i.test(reason)
          ? 'Check the path (getX, or the items given)'
          : /empty/.test(reason)
            ? "A download or copy probably failed: fetch the file again, or remove it (verifyImages() finds such files), or pass onError: 'skip' to leave unreadable files out"
            : "The file is corrupt, truncated or not an image: remove it (verifyImages() finds such files), or pass onError: 'skip' to leave unreadable files out"),
    );
    this.name = 'ImageReadError';
  }
}

const EXTEND = { reflection: 'mirror', border: 'copy', zeros: 'background' } as const;
// The slots one libvips pass can fill, in the order it applies them.
const SLOTS = ['crop', 'resize', 'crop', 'pad'] as const;

/** Merges crop-of-crop and resize-of-resize (one resample instead of two). */
function simplify(ops: readonly Op[]): Op[] {
  const out: Op[] = [];
  for (const op of ops) {
    const last = out[out.length - 1];
    if (last?.type === 'crop' && op.type === 'crop') {
      out[out.length - 1] = { type: 'crop', box: { ...op.box, left: last.box.left + op.box.left, top: last.box.top + op.box.top } };
    } else if (last?.type === 'resize' && op.type === 'resize') {
      out[out.length - 1] = op;
    } else {
      out.push(op);
    }
  }
  return out;
}

/** [width, height] after applying `ops` to an image of `size`. */
function sizeAfter(size: readonly [number, number], ops: readonly Op[]): [number, number] {
  let [w, h] = size;
  for (const op of ops) {
    if (op.type === 'crop') [w, h] = [op.box.width, op.box.height];
    else if (op.type === 'resize') [w, h] = [op.width, op.height];
    else [w, h] = [w + op.left + op.right, h + op.top + op.bottom];
  }
  return [w, h];
}

/** Splits ops into passes that libvips can each do in one go. */
function passes(ops: readonly Op[]): Op[][] {
  const out: Op[][] = [];
  let current: Op[] = [];
  let slot = 0;
  for (const op of ops) {
    let s = slot;
    while (s < SLOTS.length && SLOTS[s] !== op.type) s++;
    if (s === SLOTS.length) {
      out.push(current);
      current = [];
      s = SLOTS.indexOf(op.type);
    }
    current.push(op);
    slot = s + 1;
  }
  out.push(current);
  return out;
}

function describeOp(op: Op): string {
  switch (op.type) {
    case 'crop': return `crop ${op.box.width}x${op.box.height} at (${op.box.left},${op.box.top})`;
    case 'resize': return `resize to ${op.width}x${op.height}`;
    case 'pad': return `pad ${op.left},${op.top},${op.right},${op.bottom} (${op.mode})`;
  }
}

/**
 * An image to be decoded, with the geometry to apply. Methods return new Images (the plan
 * grows); pixels are produced by {@link Image.toRaw} / {@link Image.toTensor}.
 */
export class Image {
  private constructor(
    private readonly input: Uint8Array | RawImage,
    /** The file (or a description of the bytes) the image comes from. */
    readonly file: string,
    /** The decoder that recognised the content: 'jpeg', 'png', 'gif', ... or 'raw'. */
    readonly format: string,
    /** Width x height of the source, after EXIF orientation. */
    readonly sourceSize: readonly [number, number],
    private readonly ops: readonly Op[],
    readonly width: number,
    readonly height: number,
    /** What decoding does with an embedded ICC profile (see {@link ColourMode}). */
    readonly colour: ColourMode = 'stored',
    /** The path to keep the decoded pixels under (pixel cache on), decoding whole first; see image-source.ts. */
    private readonly cacheAs?: { path: string; bytes: Uint8Array },
  ) {}

  /**
   * Reads an image's header (format, size, orientation) from a file path or encoded bytes.
   * A file is read once, here: the Image keeps its bytes for the decode (so it is opened once).
   * Headers are remembered per path (checked against the bytes), so later epochs skip the
   * header read. Throws an {@link ImageReadError} naming the file when it is not a readable
   * image (an empty file is reported as such).
   * @param options.file the name errors use (default: the path, or `<n bytes>`)
   * @param options.colour what to do with an embedded ICC profile; default {@link colourMode}()
   *   (`'stored'`, as PIL/fastai, unless changed with setColourMode)
   */
  static async open(input: string | Uint8Array, options: { file?: string; colour?: ColourMode } = {}): Promise<Image> {
    const file = options.file ?? (typeof input === 'string' ? input : `<${input.length} bytes>`);
    const colour = options.colour ?? colourMode();
    if (colour !== 'stored' && colour !== 'srgb') throw new RangeError(`Image.open: colour must be 'stored' or 'srgb', got ${JSON.stringify(colour)}`);
    let bytes: Uint8Array;
    if (typeof input === 'string') {
      const read = await readImageFile(input);
      if (!(read instanceof Uint8Array)) throw new ImageReadError(file, read.reason);
      bytes = read;
      if (pixelCacheEnabled()) {
        const hit = cachedPixels(input, bytes, colour);
        if (hit) return new Image(hit.pixels, file, hit.format, [hit.pixels.width, hit.pixels.height], [], hit.pixels.width, hit.pixels.height, colour);
      }
      const cached = cachedHeader(input, bytes);
      if (cached) return new Image(bytes, file, cached.format, [cached.width, cached.height], [], cached.width, cached.height, colour, cacheTarget(input, bytes, cached.width, cached.height));
    } else {
      if (input.length === 0) throw new ImageReadError(file, 'the bytes are empty (0 bytes)');
      bytes = input;
    }
    let meta: Metadata;
    try {
      meta = await sharp(bytes).metadata();
    } catch (e) {
      throw new ImageReadError(file, (e as Error).message);
    }
    const w = meta.autoOrient?.width ?? meta.width;
    const h = meta.autoOrient?.height ?? meta.height;
    if (!w || !h) throw new ImageReadError(file, 'the header gives no size');
    const format = meta.format ?? 'unknown';
    if (typeof input !== 'string') return new Image(bytes, file, format, [w, h], [], w, h, colour);
    rememberHeader(input, bytes, { format, width: w, height: h });
    return new Image(bytes, file, format, [w, h], [], w, h, colour, cacheTarget(input, bytes, w, h));
  }

  /** An image from 8-bit RGB pixels (HWC). */
  static fromRaw(raw: RawImage, file = '<pixels>'): Image {
    if (raw.data.length !== raw.width * raw.height * 3) throw new RangeError(`Image.fromRaw: ${raw.data.length} bytes do not make ${raw.width}x${raw.height} RGB`);
    return new Image(raw, file, 'raw', [raw.width, raw.height], [], raw.width, raw.height);
  }

  /** [width, height], as PIL's `size`. */
  get size(): [number, number] {
    return [this.width, this.height];
  }

  private with(op: Op, width: number, height: number): Image {
    return new Image(this.input, this.file, this.format, this.sourceSize, simplify([...this.ops, op]), width, height, this.colour, this.cacheAs);
  }

  /** The region `box` (integers, inside the image). */
  crop(box: Box): Image {
    const b = { left: Math.round(box.left), top: Math.round(box.top), width: Math.round(box.width), height: Math.round(box.height) };
    if (b.left < 0 || b.top < 0 || b.width < 1 || b.height < 1 || b.left + b.width > this.width || b.top + b.height > this.height) {
      throw new RangeError(`Image.crop: box ${JSON.stringify(b)} is not inside the ${this.width}x${this.height} image ${this.file}`);
    }
    return this.with({ type: 'crop', box: b }, b.width, b.height);
  }

  /** Resizes to exactly `width` x `height` (aspect not kept). Default kernel 'linear' (bilinear, as fastai). */
  resize(width: number, height: number, kernel: Kernel = 'linear'): Image {
    const w = Math.max(1, Math.round(width));
    const h = Math.max(1, Math.round(height));
    if (w === this.width && h === this.height && this.ops.length === 0) return this;
    return this.with({ type: 'resize', width: w, height: h, kernel }, w, h);
  }

  /** Adds borders filled per `mode`. */
  pad(sides: { top?: number; bottom?: number; left?: number; right?: number }, mode: PadMode = 'reflection'): Image {
    const p = { top: sides.top ?? 0, bottom: sides.bottom ?? 0, left: sides.left ?? 0, right: sides.right ?? 0 };
    if (Object.values(p).some((v) => !Number.isInteger(v) || v < 0)) throw new RangeError(`Image.pad: sides must be non-negative integers, got ${JSON.stringify(p)}`);
    if (p.top + p.bottom + p.left + p.right === 0) return this;
    return this.with({ type: 'pad', ...p, mode }, this.width + p.left + p.right, this.height + p.top + p.bottom);
  }

  /** Decodes and applies the planned geometry: 8-bit RGB pixels. */
  async toRaw(): Promise<RawImage> {
    checkDecodeThreads();
    let input = this.input;
    if (this.cacheAs && input instanceof Uint8Array) {
      // Decode whole, keep the pixels if the budget has room, and apply the geometry to them:
      // the same path whether or not they were kept, so every epoch gives the same pixels.
      input = await this.run(input, []);
      rememberPixels(this.cacheAs.path, this.cacheAs.bytes, this.colour, this.format, input);
    }
    // passes() always gives at least one (possibly empty) pass, so the result is decoded pixels.
    for (const pass of passes(this.ops)) input = await this.run(input, pass);
    return input as RawImage;
  }

  private async run(input: Uint8Array | RawImage, ops: readonly Op[]): Promise<RawImage> {
    const encoded = input instanceof Uint8Array;
    // ignoreIcc skips sharp's default conversion to sRGB through the embedded profile (lcms).
    let s = encoded
      ? sharp(input, { autoOrient: true, ignoreIcc: this.colour === 'stored' })
      : sharp(input.data, { raw: { width: input.width, height: input.height, channels: 3 } });
    // The output size follows from the ops (sharp's reported size misses a post-resize extend).
    let [width, height] = encoded ? this.sourceSize : [input.width, input.height];
    for (const op of ops) {
      if (op.type === 'crop') {
        s = s.extract(op.box);
        [width, height] = [op.box.width, op.box.height];
      } else if (op.type === 'resize') {
        s = s.resize(op.width, op.height, { fit: 'fill', kernel: op.kernel });
        [width, height] = [op.width, op.height];
      } else {
        s = s.extend({ top: op.top, bottom: op.bottom, left: op.left, right: op.right, extendWith: EXTEND[op.mode], background: { r: 0, g: 0, b: 0 } });
        [width, height] = [width + op.left + op.right, height + op.top + op.bottom];
      }
    }
    try {
      const { data, info } = await s.removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
      if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels instead of 3`);
      if (data.length !== width * height * 3) throw new Error(`decoded ${data.length} bytes, expected ${width}x${height} RGB`);
      return { data, width, height };
    } catch (e) {
      const message = (e as Error).message;
      // libvips' own warning text is not passed on in this case; say what it means.
      throw new ImageReadError(this.file, /failOn/.test(message) ? `the pixel data is damaged, e.g. the file is truncated (${message})` : message);
    }
  }

  /** The pixels as a uint8 tensor [3, height, width] (CHW). */
  async toTensor(): Promise<Tensor> {
    return rawToTensor(await this.toRaw());
  }

  /**
   * Like {@link toTensor}, except that when the plan ends by enlarging the image (a resize to a
   * larger size in both directions), that last resize is not done: the result is a
   * {@link DeferredResize} holding the pixels before it, for a batch resample to enlarge
   * (see canDeferEnlarge in resample-plan.ts). Upsampling on the CPU is the costliest step of presizing
   * small photos, and the batch resample then reads the decoded pixels directly.
   */
  async toDeferredTensor(): Promise<Tensor | DeferredResize> {
    const last = this.ops[this.ops.length - 1];
    if (last?.type !== 'resize') return this.toTensor();
    const head = this.ops.slice(0, -1);
    const [w, h] = sizeAfter(this.sourceSize, head);
    const enlarges = last.width >= w && last.height >= h && (last.width > w || last.height > h);
    if (!enlarges) return this.toTensor();
    const raw = await new Image(this.input, this.file, this.format, this.sourceSize, head, w, h, this.colour, this.cacheAs).toRaw();
    return new DeferredResize(rawToTensor(raw), [last.height, last.width]);
  }

  /** E.g. `Image jpeg 500x414` or `Image 460x460 (jpeg 500x414: resize to 555x460, crop 460x460 at (47,0))`. */
  toString(): string {
    const [w, h] = this.sourceSize;
    if (this.ops.length === 0) return `Image ${this.format} ${w}x${h}`;
    return `Image ${this.width}x${this.height} (${this.format} ${w}x${h}: ${this.ops.map(describeOp).join(', ')})`;
  }
}
