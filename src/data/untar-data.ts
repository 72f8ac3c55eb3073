/**
 * untarData: download a dataset archive once (atomically, with a progress bar), extract it,
 * and return the folder: fastai's `untar_data`.
 * @module
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { download } from '../core/download.js';
import { cachePath } from '../core/home.js';
import { archiveExtensions, archiveStem, extractArchive } from './extract.js';

/** Options for {@link untarData}. */
export interface UntarDataOptions {
  /** Folder the dataset is extracted into (as `<dest>/<archive name>`). Default `$FASTAI_TS_HOME/data`. */
  dest?: string;
  /** Folder the downloaded archive is kept in. Default `$FASTAI_TS_HOME/archive`. */
  archive?: string;
  /** Download and extract again even when present. Default false. */
  force?: boolean;
  /** Expected sha256 of the archive (hex). Default: not checked. */
  sha256?: string;
  /** Keep the archive after extracting (so a re-extract needs no download). Default true. */
  keepArchive?: boolean;
  /** Hide the progress bar. Default: `FASTAI_TS_QUIET` is set. */
  quiet?: boolean;
  /** Give up after this long without data, in ms. Default 60000. */
  timeoutMs?: number;
}

function fileNameOf(url: string): string {
  let name: string;
  try {
    name = basename(new URL(url).pathname);
  } catch {
    throw new Error(`untarData: '${url}' is not a URL; pass e.g. URLs.PETS`);
  }
  if (archiveStem(name) === null) {
    throw new Error(`untarData: '${url}' does not name an archive (${archiveExtensions.join(', ')}); pass the URL of one`);
  }
  return name;
}

/**
 * Downloads `url` (a .tgz, .tar.gz, .tar or .zip) unless it was already, extracts it, and
 * returns the dataset folder `<dest>/<archive name without extension>`. Both steps are
 * atomic: the archive is renamed into place only once complete, and the folder only once
 * fully extracted, so an interrupted run leaves nothing half-done and simply runs again.
 * When the archive holds a single top folder, that folder becomes the dataset folder.
 *
 * @example
 * const path = await untarData(URLs.PETS); // ~/.cache/fastai-ts/data/oxford-iiit-pet
 */
export async function untarData(url: string, options: UntarDataOptions = {}): Promise<string> {
  const name = fileNameOf(url);
  const stem = archiveStem(name)!;
  const dest = options.dest ?? cachePath('data');
  const archiveDir = options.archive ?? cachePath('archive');
  const target = join(dest, stem);
  const archiveFile = join(archiveDir, name);
  if (options.force) {
    rmSync(target, { recursive: true, force: true });
    rmSync(archiveFile, { force: true });
  } else if (existsSync(target)) {
    return target;
  }
  if (!existsSync(archiveFile)) {
    await download(url, archiveFile, { sha256: options.sha256, quiet: options.quiet, timeoutMs: options.timeoutMs, label: name });
  }
  mkdirSync(dest, { recursive: true });
  const tmp = join(dest, `.${stem}.extracting-${process.pid}-${Date.now()}`);
  mkdirSync(tmp);
  try {
    try {
      await extractArchive(archiveFile, tmp);
    } catch (e) {
      rmSync(archiveFile, { force: true }); // corrupt: the next call downloads it again
      throw new Error(`untarData: ${(e as Error).message.replace(/ The archive may be corrupt.*$/, '')}. The archive was removed; run again to download it anew`, { cause: e });
    }
    const entries = readdirSync(tmp);
    const only = entries.length === 1 ? join(tmp, entries[0]!) : null;
    rmSync(target, { recursive: true, force: true });
    if (only && statSync(only).isDirectory()) renameSync(only, target);
    else renameSync(tmp, target);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (options.keepArchive === false) rmSync(archiveFile, { force: true });
  return target;
}
