/**
 * verifyImages: find the files that do not decode (fastai's `verify_images`).
 * @module
 */
import { Limiter } from '../data/limiter.js';
import { defaultNumWorkers } from '../data/dataloader.js';
import { Image } from './image.js';

/**
 * Fully decodes each file and returns those that fail (corrupt, truncated, not an image), in
 * input order. Decodes up to `concurrency` files at once (default: as the loaders).
 *
 * @example
 * const bad = await verifyImages(getImageFiles(path)); // then remove them, or use onError: 'skip'
 */
export async function verifyImages(files: readonly string[], options: { concurrency?: number } = {}): Promise<string[]> {
  const limiter = new Limiter(options.concurrency ?? defaultNumWorkers());
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
