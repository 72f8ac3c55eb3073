/**
 * A small, fast classification problem for Learner tests: two Gaussian blobs in 4 dimensions
 * as a DataBlock (no images), and a tiny MLP with BatchNorm and two parameter groups.
 */
import { CategoryBlock, DataBlock, type DataLoaders, IndexSplitter, nn, type Tensor, torch, type TransformBlock } from '../../src/index.js';

export interface Point {
  x: number[];
  y: 'a' | 'b';
}

/** `n` points: class 'a' around -1, class 'b' around +1 (std 1), from a seeded generator. */
export function points(n: number, seed = 0): Point[] {
  let s = seed + 1;
  const rand = () => ((s = (s * 16807) % 2147483647) - 1) / 2147483646;
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  return Array.from({ length: n }, (_, i) => {
    const y = i % 2 ? 'b' : 'a';
    const c = y === 'a' ? -1 : 1;
    return { x: [0, 1, 2, 3].map(() => c + gauss()), y };
  });
}

/** A block for fixed-length number arrays, collated to a float32 [n, d] tensor. */
export const VectorBlock: TransformBlock = {
  name: 'VectorBlock',
  kind: 'vector',
  typeTfms: [],
  collate(values) {
    const rows = values as number[][];
    return torch.tensor(Float32Array.from(rows.flat()), [rows.length, rows[0]!.length]);
  },
};

/** DataLoaders over `n` points, the last `nValid` for validation. */
export async function pointDls(options: { n?: number; nValid?: number; bs?: number; seed?: number } = {}): Promise<DataLoaders> {
  const { n = 96, nValid = 32, bs = 16, seed = 0 } = options;
  const items = points(n, seed);
  const valid = Array.from({ length: nValid }, (_, i) => n - nValid + i);
  const block = new DataBlock<Point>({
    blocks: [VectorBlock, CategoryBlock()],
    getX: (p) => p.x,
    getY: (p) => p.y,
    splitter: IndexSplitter(valid),
  });
  return block.dataloaders(items, { bs, seed, device: 'cpu', numWorkers: 0 });
}

/** Linear -> BatchNorm1d -> ReLU | Linear, as two parameter groups (body, head). */
export class TinyNet extends nn.Module {
  body = this.registerModule('body', new nn.Sequential(new nn.Linear(4, 16), new nn.BatchNorm1d(16), new nn.ReLU()));
  head = this.registerModule('head', new nn.Linear(16, 2));
  forward(x: Tensor): Tensor {
    return torch.tidy(() => this.head.call(this.body.call(x)));
  }
  paramGroups(): Tensor[][] {
    return [this.body.parameters(), this.head.parameters()];
  }
}

/** Copies of every parameter's values, for comparing before and after. */
export function snapshot(model: nn.Module): Map<string, Float32Array> {
  return new Map(model.namedParameters().map(([k, p]) => [k, Float32Array.from(torch.tidy(() => p.detach().float().contiguous().toTypedArray() as Float32Array))]));
}

/** Names of the parameters whose values differ between two snapshots. */
export function changed(a: Map<string, Float32Array>, b: Map<string, Float32Array>): string[] {
  return [...a.keys()].filter((k) => a.get(k)!.some((v, i) => v !== b.get(k)![i]));
}
