/**
 * Where fastai-ts keeps downloads: `$FASTAI_TS_HOME` (default `~/.cache/fastai-ts`).
 * @module
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The cache root: `$FASTAI_TS_HOME`, else `~/.cache/fastai-ts`. */
export function fastaiHome(): string {
  return process.env.FASTAI_TS_HOME || join(homedir(), '.cache', 'fastai-ts');
}

/** A folder under the cache root, e.g. `cachePath('models')`. */
export function cachePath(...parts: string[]): string {
  return join(fastaiHome(), ...parts);
}
