/**
 * Batches preloaded into memory, served with a DataLoader's shape (what the Learner and
 * DataLoaders read: `length`, async iteration, `device`, `bs`, `epoch`, and the source loader's
 * `kinds` and `pipeline`), so a training loop can be timed without the loader's decoding and
 * augmentation.
 */
import type { DataLoader, Pipeline, Tensor } from '../../src/index.js';

/** Serves the same preloaded batches every epoch, as fresh clones the consumer may dispose. */
export class MemoryLoader {
  epoch = 0;
  device: string;
  readonly bs: number;
  readonly kinds: readonly string[];
  readonly pipeline: Pipeline;

  /** @param source the loader the batches came from (its bs, device, kinds and pipeline are reported) */
  constructor(
    readonly batches: readonly (readonly Tensor[])[],
    source: DataLoader<Tensor[]> | DataLoader<[Tensor, Tensor]>,
  ) {
    this.bs = source.bs;
    this.device = source.device;
    this.kinds = source.kinds;
    this.pipeline = source.pipeline;
  }

  get length(): number {
    return this.batches.length;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Tensor[]> {
    for (const b of this.batches) yield b.map((t) => t.clone());
    this.epoch++;
  }

  /** This loader typed as the DataLoader the Learner expects (it uses only the members above). */
  asDataLoader(): DataLoader<[Tensor, Tensor]> {
    return this as unknown as DataLoader<[Tensor, Tensor]>;
  }

  dispose(): void {
    for (const b of this.batches) for (const t of b) t.dispose();
  }
}

/** The first `n` batches of one epoch of `dl` (all of them when it has fewer), kept in memory. */
export async function preload(dl: DataLoader<Tensor[]> | DataLoader<[Tensor, Tensor]>, n: number): Promise<Tensor[][]> {
  const out: Tensor[][] = [];
  if (n <= 0) return out;
  for await (const batch of dl as AsyncIterable<Tensor[]>) {
    out.push(batch.map((t) => t.keep()));
    if (out.length >= n) break;
  }
  return out;
}
