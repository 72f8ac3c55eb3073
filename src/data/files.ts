/**
 * Finding files: fastai's `Path.ls()`, `get_files` and `get_image_files`, sorted so the item
 * order (and with it every seeded split) is the same on every machine.
 * @module
 */
import { existsSync, lstatSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';

/** File extensions (lower case, with the dot) that `getImageFiles` treats as images. */
export const imageExtensions: readonly string[] = [
  '.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.gif', '.bmp', '.tif', '.tiff', '.webp', '.avif', '.heic', '.heif',
];

/**
 * A list of paths that prints like fastai's `L`: `(#3) ['a', 'b', 'c']`. It is an ordinary
 * array (`length` is the count; `map` and friends return plain arrays).
 */
export class FileList extends Array<string> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  /** A FileList holding `paths`. */
  static fromPaths(paths: readonly string[]): FileList {
    const list = new FileList();
    for (const p of paths) list.push(p);
    return list;
  }

  override toString(): string {
    const shown = this.slice(0, 10).map((p) => `'${p}'`);
    return `(#${this.length}) [${shown.join(', ')}${this.length > 10 ? ', ...' : ''}]`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function checkFolder(path: string, who: string): void {
  if (!existsSync(path)) {
    const dangling = lstatSafe(path)?.isSymbolicLink() ? ' (it is a symbolic link whose target is missing)' : '';
    throw new Error(`${who}: the folder '${path}' does not exist${dangling} (relative paths start from ${process.cwd()}); check the path`);
  }
  if (!statSync(path).isDirectory()) throw new Error(`${who}: '${path}' is a file, not a folder; pass the folder that holds the files`);
}

function lstatSafe(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

// Links already reported, so a folder listed once per epoch or per DataBlock warns only once.
const reportedLinks = new Set<string>();

/** Emits one warning naming the links a listing skipped (only those not reported before). */
function warnSkippedLinks(who: string, skipped: readonly string[]): void {
  const fresh = skipped.filter((s) => !reportedLinks.has(s));
  if (fresh.length === 0) return;
  for (const s of fresh) reportedLinks.add(s);
  process.emitWarning(
    `${who}: left out ${fresh.length} symbolic link${fresh.length > 1 ? 's' : ''} (the other files are listed):\n` +
      fresh.map((s) => `  ${s}`).join('\n') +
      '\nRemove or fix these links to silence this warning',
    { code: 'FASTAI_TS_SKIPPED_LINKS' },
  );
}

/**
 * fastai's `Path.ls()`: the entries of a folder (files and subfolders, hidden ones included),
 * joined to `path`, sorted by name. Print it to see the count: `(#3) [...]`.
 */
export function ls(path: string): FileList {
  checkFolder(path, 'ls');
  return FileList.fromPaths(readdirSync(path).sort().map((name) => join(path, name)));
}

/** Options for {@link getFiles} and {@link getImageFiles}. */
export interface GetFilesOptions {
  /** Look into subfolders too. Default true. */
  recurse?: boolean;
  /** Only these subfolders of `path` (first level only, as fastai). Default: all. */
  folders?: readonly string[];
  /** Extensions to keep, lower case with the dot (matched case-insensitively). Default: every file ({@link getFiles}) or {@link imageExtensions}. */
  extensions?: readonly string[];
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot).toLowerCase();
}

interface Walk {
  options: GetFilesOptions;
  exts: Set<string> | null;
  out: string[];
  /** Problems with symbolic links, one line each (`path: why`). */
  skipped: string[];
}

/** Why a symbolic link cannot be followed, from the error its target's stat gave. */
function brokenLink(full: string, e: NodeJS.ErrnoException): string {
  if (e.code === 'ENOENT') return `${full}: its target is missing (a dangling link)`;
  if (e.code === 'ELOOP') return `${full}: it points to itself through other links (a loop)`;
  return `${full}: ${e.code ?? e.message}`;
}

/** `ancestors` holds the real paths of the folders above, so a link back up to one is never followed (a loop). */
function walk(dir: string, rel: string, top: boolean, ancestors: ReadonlySet<string>, w: Walk): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue; // hidden files and folders, as fastai skips them
    const relPath = rel ? `${rel}/${entry.name}` : entry.name;
    const full = join(dir, entry.name);
    let isDir = entry.isDirectory();
    if (entry.isSymbolicLink()) {
      try {
        isDir = statSync(full).isDirectory();
      } catch (e) {
        w.skipped.push(brokenLink(full, e as NodeJS.ErrnoException));
        continue;
      }
    }
    if (isDir) {
      if (top && w.options.folders && !w.options.folders.includes(entry.name)) continue;
      if (!(w.options.recurse ?? true)) continue;
      const real = realpathSync(full);
      if (ancestors.has(real)) {
        w.skipped.push(`${full}: it links back to the folder '${real}' above it (a loop)`);
        continue;
      }
      walk(full, relPath, false, new Set(ancestors).add(real), w);
    } else if (!top || !w.options.folders) {
      if (w.exts === null || w.exts.has(extensionOf(entry.name))) w.out.push(relPath);
    }
  }
}

/**
 * The files under `path` with one of `extensions`, sorted by their path (code-point order,
 * like Python's `sorted()`), skipping hidden files and folders. Returns an empty list when
 * nothing matches.
 *
 * Symbolic links are followed, except a dangling one, one that loops, or one that leads back
 * to a folder above it: those are left out and named in one warning
 * (`FASTAI_TS_SKIPPED_LINKS`, once per link per process).
 */
export function getFiles(path: string, options: GetFilesOptions = {}): FileList {
  return listFiles(path, options, 'getFiles');
}

function listFiles(path: string, options: GetFilesOptions, who: string): FileList {
  checkFolder(path, who);
  const exts = options.extensions ? new Set(options.extensions.map((e) => (e.startsWith('.') ? e : `.${e}`).toLowerCase())) : null;
  const w: Walk = { options, exts, out: [], skipped: [] };
  walk(path, '', true, new Set([realpathSync(path)]), w);
  warnSkippedLinks(who, w.skipped);
  w.out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return FileList.fromPaths(w.out.map((r) => join(path, r)));
}

/**
 * The image files under `path`, by extension ({@link imageExtensions}), sorted and
 * deterministic. Decoding goes by content, so a PNG named `.jpg` still loads.
 * Throws when the folder is missing or holds no images, naming the folder and the
 * extensions searched. Links that cannot be followed are skipped with a warning, as in
 * {@link getFiles}.
 *
 * @example
 * const files = getImageFiles('../shared/data/pets'); // (#370) [...]
 */
export function getImageFiles(path: string, options: GetFilesOptions = {}): FileList {
  const extensions = options.extensions ?? imageExtensions;
  const files = listFiles(path, { ...options, extensions }, 'getImageFiles');
  if (files.length === 0) {
    const where = options.folders ? `in its subfolders ${options.folders.map((f) => `'${f}'`).join(', ')}` : (options.recurse ?? true) ? 'recursively' : 'at its top level only';
    throw new Error(
      `getImageFiles: no image files in '${path}' (searched ${where} for ${extensions.join(', ')}). ` +
        'Check the path, or pass `extensions` to look for other file types',
    );
  }
  return files;
}
