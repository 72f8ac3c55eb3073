/**
 * showBatch / showResults: a grid of decoded samples with their labels, as PNG or SVG. The
 * input block draws (ImageBlock through the plot module); the target block gives the captions.
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { torch, type Tensor } from '../torch/index.js';
import type { DataLoader } from './dataloader.js';
import type { Caption, ShowOptions, TransformBlock } from './transform.js';

function inputBlock(dl: DataLoader): TransformBlock {
  const block = dl.pipeline.blocks[0];
  if (!block?.show) throw new Error(`showBatch: the input block ${block?.name ?? '(none)'} cannot be shown; only blocks with a show method (e.g. ImageBlock) can`);
  return block;
}

/** The options a block's show gets: `format` settled (SVG when `file` ends in .svg, else PNG). */
function showOptions(options: ShowOptions, nrows: number, ncols: number): ShowOptions {
  const format = options.format ?? (options.file && /\.svg$/i.test(options.file) ? 'svg' : 'png');
  if (format !== 'png' && format !== 'svg') throw new RangeError(`showBatch: format must be 'png' or 'svg', got ${String(format)}`);
  return { ...options, nrows, ncols, format };
}

function finish(bytes: Buffer, options: ShowOptions): Buffer {
  if (options.file) {
    mkdirSync(dirname(options.file), { recursive: true });
    writeFileSync(options.file, bytes);
  }
  return bytes;
}

/**
 * Draws the first nrows x ncols samples of `batch` (default: `dl.oneBatch()`, freed after)
 * with their labels; returns the image (PNG, or SVG when `options.format` is 'svg' or `file`
 * ends in `.svg`) and writes it to `options.file` when given.
 */
export async function showBatch(dl: DataLoader, options: ShowOptions & { batch?: readonly Tensor[] } = {}): Promise<Buffer> {
  const block = inputBlock(dl);
  const { nrows = 3, ncols = 3 } = options;
  const batch = options.batch ?? (await dl.oneBatch());
  try {
    const n = Math.min(nrows * ncols, batch[0]!.shape[0]!);
    const decoded = torch.tidy(() => dl.decode(batch.map((t) => t.narrow(0, 0, n))));
    try {
      const blocks = dl.pipeline.blocks;
      const captions: Caption[][] = Array.from({ length: n }, (_, i) =>
        decoded.slice(1).flatMap((t, j) => (blocks[j + 1]?.caption ? [{ text: blocks[j + 1]!.caption!(t, i) }] : [])),
      );
      return finish(await block.show!(decoded[0]!, captions, showOptions(options, nrows, ncols)), options);
    } finally {
      torch.dispose(decoded);
    }
  } finally {
    if (!options.batch) torch.dispose(batch);
  }
}

/**
 * Draws samples with their actual label (first line) and the predicted one (second line,
 * green when right, red when wrong), as fastai's `show_results`. `preds` holds one row of
 * scores per sample (the argmax is taken) or the predicted class indices.
 */
export async function showResults(dl: DataLoader, batch: readonly Tensor[], preds: Tensor, options: ShowOptions = {}): Promise<Buffer> {
  const block = inputBlock(dl);
  const target = dl.pipeline.blocks[1];
  if (!target?.caption) throw new Error('showResults: the loader has no target block with captions (e.g. CategoryBlock)');
  const { nrows = 3, ncols = 3 } = options;
  const n = Math.min(nrows * ncols, batch[0]!.shape[0]!);
  const decoded = torch.tidy(() => dl.decode(batch.map((t) => t.narrow(0, 0, n))));
  const predIdx = torch.tidy(() => (preds.ndim > 1 ? preds.argmax(-1) : preds).narrow(0, 0, n).cpu());
  try {
    const captions = Array.from({ length: n }, (_, i) => {
      const actual = target.caption!(decoded[1]!, i);
      const predicted = target.caption!(predIdx, i);
      return [{ text: actual }, { text: predicted, color: actual === predicted ? 'green' : 'red' }];
    });
    return finish(await block.show!(decoded[0]!, captions, showOptions(options, nrows, ncols)), options);
  } finally {
    torch.dispose([...decoded, predIdx]);
  }
}
