/**
 * Extracting archives with maintained libraries: `tar` for .tgz/.tar.gz/.tar and `yauzl` for
 * .zip. Entries that would land outside the destination (absolute paths, `..`) are refused.
 * @module
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import yauzl from 'yauzl';
import { clause } from '../core/text.js';

/** The archive formats {@link extractArchive} reads, by file name ending. */
export const archiveExtensions = ['.tar.gz', '.tgz', '.tar', '.zip'] as const;

/** The file name without its archive extension (`oxford-iiit-pet.tgz` -> `oxford-iiit-pet`), or null if it is not an archive. */
export function archiveStem(name: string): string | null {
  const lower = name.toLowerCase();
  const ext = archiveExtensions.find((e) => lower.endsWith(e));
  return ext ? name.slice(0, name.length - ext.length) : null;
}

async function extractZip(file: string, dest: string): Promise<void> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true, strictFileNames: false, validateEntrySizes: true });
  try {
    const root = resolve(dest);
    for await (const entry of zip.eachEntry()) {
      const target = resolve(root, entry.fileName);
      if (target !== root && !target.startsWith(root + sep)) throw new Error(`the entry '${entry.fileName}' would be written outside the destination`);
      if (entry.fileName.endsWith('/')) {
        mkdirSync(target, { recursive: true });
        continue;
      }
      mkdirSync(dirname(target), { recursive: true });
      await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(target));
    }
  } finally {
    zip.close();
  }
}

/**
 * Extracts `file` into `dest`, throwing the libraries' own errors (for callers that word the
 * message themselves).
 * @internal
 */
export async function extractRaw(file: string, dest: string): Promise<void> {
  const lower = file.toLowerCase();
  if (lower.endsWith('.zip')) await extractZip(file, dest);
  else if (lower.endsWith('.tgz') || lower.endsWith('.tar.gz') || lower.endsWith('.tar')) {
    // strict: a corrupt archive is an error, not a warning; tar already refuses absolute and '..' paths.
    await tar.x({ file, cwd: dest, strict: true });
  } else {
    throw new Error(`unknown archive type; fastai-ts extracts ${archiveExtensions.join(', ')}`);
  }
}

/** Extracts `file` (.tgz, .tar.gz, .tar or .zip) into the existing folder `dest`. Errors name the archive. */
export async function extractArchive(file: string, dest: string): Promise<void> {
  try {
    await extractRaw(file, dest);
  } catch (e) {
    throw new Error(`could not extract '${file}': ${clause((e as Error).message)}. The archive may be corrupt: delete it and download it again`, {
      cause: e,
    });
  }
}
