/**
 * verifyImages: find the files that do not decode (fastai's `verify_images`).
 * @module
 */
import { Limiter } from '../data/limiter.js';
import { threadPoolSize } from '../data/dataloader.js';
import { Image } from './image.js';

/**
 * Fully decodes each file and returns those that fail (corrupt, truncated, not an image), in
 * input order. Keeps up to `concurrency` files loading at once (default: 4 x UV_THREADPOOL_SIZE).
 *
 * @example
 * const bad = await verifyImages(getImageFiles(path)); // then remove them, or use onError: 'skip'
 */
export async function verifyImages(files: readonly string[], options: { concurrency?: number } = {}): Promise<string[]> {
  const limiter = new Limiter(options.concurrency ?? 4 * threadPoolSize());
  const ok = await Promise.all(
    files.map((f) =>
      limiter.run(async () => {
        try {
          await (await Image.open(f)).toRaw();
          return true;
        } catch {
          return false;
        }
      }),
    ),
  );
  return files.filter((_, i) => !ok[i]);
}
