/**
 * A small seeded random generator for the data pipeline (shuffling, item crops, batch
 * augmentation). Each draw site gets its own generator keyed by (seed, purpose, epoch, index),
 * so what an item or batch draws does not depend on the order in which asynchronous loads
 * finish, on the device, or on how many random numbers the model consumed in between.
 * The engine's generator (torch.manualSeed) is used only where fastai's numbers must be
 * reproduced exactly: RandomSplitter's randperm.
 * @module
 */

/** Mixes 32-bit words into one (murmur3's finaliser over a running hash). */
function mix(keys: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const k of keys) {
    // Fold numbers beyond 32 bits too, so large seeds do not collide.
    const lo = k >>> 0;
    const hi = Math.floor(k / 4294967296) >>> 0;
    for (const w of [lo, hi]) {
      h = Math.imul(h ^ w, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
    }
  }
  return h >>> 0;
}

/** What a random stream is used for; part of the key so streams never overlap. */
export const Stream = { shuffle: 1, item: 2, batch: 3 } as const;

/**
 * A deterministic pseudo-random generator (sfc32) seeded from any number of integer keys.
 *
 * @example
 * const rng = Rng.fromKeys(seed, Stream.item, epoch, index);
 * rng.uniform(0.75, 1);
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A generator seeded with `seed` (any non-negative integer). */
  constructor(seed: number) {
    this.a = mix([seed, 1]);
    this.b = mix([seed, 2]);
    this.c = mix([seed, 3]);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextU32(); // warm up: the first outputs of sfc32 are weak
  }

  /** A generator whose stream is a function of all the keys (e.g. seed, purpose, epoch, index). */
  static fromKeys(...keys: number[]): Rng {
    return new Rng(mix(keys));
  }

  /** The next 32-bit unsigned integer. */
  nextU32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1), 53 bits of precision. */
  random(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  /** An integer uniform in [low, high) (high exclusive). */
  int(low: number, high: number): number {
    return low + Math.floor(this.random() * (high - low));
  }

  /** True with probability `p`. */
  bernoulli(p: number): boolean {
    return this.random() < p;
  }

  /** A random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): number[] {
    const out = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}
