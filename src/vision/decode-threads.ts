/**
 * How many images decode at once. sharp runs each decode on libuv's thread pool (one libvips
 * thread per decode: sharp's concurrency is 1 under glibc), so the pool's size is the decode
 * parallelism. libuv reads `UV_THREADPOOL_SIZE` once, when the pool first starts, and in an ES
 * module program that is before the program's first line runs (Node's module loader reads
 * files on the pool); setting it from JavaScript then changes nothing, and worker_threads share
 * the same pool. So it has to come from the environment (see docs/decoding.md).
 * @module
 */
import { availableParallelism } from 'node:os';
import { threadPoolSize, threadPoolSizeWasSet } from '../data/dataloader.js';

/** libuv's pool size, i.e. how many images decode at once (the data layer's `threadPoolSize`). */
export const decodeThreads: () => number = threadPoolSize;

/** The pool size that uses the machine: one decode thread per core, and at least libuv's 4. */
export function recommendedDecodeThreads(): number {
  return Math.max(4, availableParallelism());
}

let checked = false;

/**
 * Warns once (code FASTAI_TS_DECODE_THREADS) when the machine has more cores than libuv's pool
 * has threads and `UV_THREADPOOL_SIZE` was not set: decoding would leave cores idle. Image
 * decoding calls it; it is cheap after the first call.
 */
export function checkDecodeThreads(): void {
  if (checked) return;
  checked = true;
  const cores = availableParallelism();
  if (!threadPoolSizeWasSet() && cores > decodeThreads()) {
    process.emitWarning(
      `images decode on libuv's ${decodeThreads()} pool threads but this machine has ${cores} cores; ` +
        `start Node with UV_THREADPOOL_SIZE=${cores} in the environment to decode on all of them (it cannot be changed once Node runs)`,
      { code: 'FASTAI_TS_DECODE_THREADS' },
    );
  }
}
