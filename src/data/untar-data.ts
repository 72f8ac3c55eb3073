/**
 * untarData: download a dataset archive once (atomically, with a progress bar), extract it,
 * and return the folder: fastai's `untar_data`.
 * @module
 */
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { download } from '../core/download.js';
import { cachePath } from '../core/home.js';
import { formatBytes } from '../core/progress.js';
import { clause } from '../core/text.js';
import { archiveExtensions, archiveStem, extractRaw } from './extract.js';

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

// Calls already running, by dataset folder and by archive file: concurrent calls share one
// download and one extraction instead of racing over the same files.
const extracting = new Map<string, Promise<string>>();
const downloading = new Map<string, Promise<string>>();

function shared(jobs: Map<string, Promise<string>>, key: string, start: () => Promise<string>): Promise<string> {
  const running = jobs.get(key);
  if (running) return running;
  const job = start().finally(() => {
    if (jobs.get(key) === job) jobs.delete(key);
  });
  jobs.set(key, job);
  return job;
}

/** What the file holds, for an error message: an HTML page, some text (quoted), or so many bytes. */
function describeContent(file: string): { html: boolean; text: string } {
  const size = statSync(file).size;
  const head = Buffer.alloc(Math.min(size, 512));
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const start = head.toString('latin1');
  if (/^\s*(<!doctype html|<html|<head|<body)/i.test(start)) return { html: true, text: `an HTML page (${formatBytes(size)})` };
  // eslint-disable-next-line no-control-regex -- printable ASCII plus whitespace means text
  if (size > 0 && /^[\x09\x0a\x0d\x20-\x7e]*$/.test(start)) {
    const first = start.split(/\r?\n/)[0]!.slice(0, 60);
    return { html: false, text: `${formatBytes(size)} of text starting '${first}'` };
  }
  return { html: false, text: `${formatBytes(size)} that are not a valid archive` };
}

/**
 * Downloads `url` (a .tgz, .tar.gz, .tar or .zip) unless it was already, extracts it, and
 * returns the dataset folder `<dest>/<archive name without extension>`. Both steps are
 * atomic: the archive is renamed into place only once complete, and the folder only once
 * fully extracted, so an interrupted run leaves nothing half-done and simply runs again.
 * When the archive holds a single top folder, that folder becomes the dataset folder.
 *
 * Calls for the same dataset folder while one is running share its download and extraction
 * (whatever their other options), and get the same folder or the same error.
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
  return shared(extracting, resolve(target), () => fetchAndExtract(url, name, stem, dest, join(archiveDir, name), target, options));
}

async function fetchAndExtract(url: string, name: string, stem: string, dest: string, archiveFile: string, target: string, options: UntarDataOptions): Promise<string> {
  if (options.force) {
    rmSync(target, { recursive: true, force: true });
    rmSync(archiveFile, { force: true });
  } else if (existsSync(target)) {
    return target;
  }
  if (!existsSync(archiveFile)) {
    const opts = { sha256: options.sha256, quiet: options.quiet, timeoutMs: options.timeoutMs, label: name, rejectHtml: true };
    await shared(downloading, resolve(archiveFile), () => download(url, archiveFile, opts));
  }
  mkdirSync(dest, { recursive: true });
  const tmp = mkdtempSync(join(dest, `.${stem}.extracting-`));
  try {
    try {
      await extractRaw(archiveFile, tmp);
    } catch (e) {
      const what = describeContent(archiveFile);
      rmSync(archiveFile, { force: true }); // corrupt: the next call downloads it again
      const advice = what.html
        ? `The server sent a web page instead of the archive, and running again will fetch the same page. Open ${url} in a browser to see what it says (it may have moved, or need a login), or download the archive yourself and place it at ${archiveFile}`
        : `The archive was removed; run again to download it anew. If it fails the same way, the server sends a damaged file: download it yourself and place it at ${archiveFile}`;
      throw new Error(`untarData: could not extract '${archiveFile}' (from ${url}): it holds ${what.text} (${clause((e as Error).message)}). ${advice}`, { cause: e });
    }
    const entries = readdirSync(tmp);
    const only = entries.length === 1 ? join(tmp, entries[0]!) : null;
    try {
      if (only && statSync(only).isDirectory()) renameSync(only, target);
      else renameSync(tmp, target);
    } catch (e) {
      // Another process finished the same dataset first: its folder is complete (renamed into place), so use it.
      const code = (e as NodeJS.ErrnoException).code;
      if (!((code === 'ENOTEMPTY' || code === 'EEXIST') && existsSync(target))) throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (options.keepArchive === false) rmSync(archiveFile, { force: true });
  return target;
}
