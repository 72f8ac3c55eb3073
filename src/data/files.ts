/**
 * Finding files: fastai's `Path.ls()`, `get_files` and `get_image_files`, sorted so the item
 * order (and with it every seeded split) is the same on every machine.
 * @module
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
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
    throw new Error(`${who}: the folder '${path}' does not exist (relative paths start from ${process.cwd()}); check the path`);
  }
  if (!statSync(path).isDirectory()) throw new Error(`${who}: '${path}' is a file, not a folder; pass the folder that holds the files`);
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

function walk(dir: string, rel: string, options: GetFilesOptions, exts: Set<string> | null, top: boolean, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue; // hidden files and folders, as fastai skips them
    const relPath = rel ? `${rel}/${entry.name}` : entry.name;
    const full = join(dir, entry.name);
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && statSync(full).isDirectory());
    if (isDir) {
      if (top && options.folders && !options.folders.includes(entry.name)) continue;
      if (options.recurse ?? true) walk(full, relPath, options, exts, false, out);
    } else if (!top || !options.folders) {
      if (exts === null || exts.has(extensionOf(entry.name))) out.push(relPath);
    }
  }
}

/**
 * The files under `path` with one of `extensions`, sorted by their path (code-point order,
 * like Python's `sorted()`), skipping hidden files and folders. Returns an empty list when
 * nothing matches.
 */
export function getFiles(path: string, options: GetFilesOptions = {}): FileList {
  checkFolder(path, 'getFiles');
  const exts = options.extensions ? new Set(options.extensions.map((e) => (e.startsWith('.') ? e : `.${e}`).toLowerCase())) : null;
  const rel: string[] = [];
  walk(path, '', options, exts, true, rel);
  rel.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return FileList.fromPaths(rel.map((r) => join(path, r)));
}

/**
 * The image files under `path`, by extension ({@link imageExtensions}), sorted and
 * deterministic. Decoding goes by content, so a PNG named `.jpg` still loads.
 * Throws when the folder is missing or holds no images, naming the folder and the
 * extensions searched.
 *
 * @example
 * const files = getImageFiles('../shared/data/pets'); // (#370) [...]
 */
export function getImageFiles(path: string, options: GetFilesOptions = {}): FileList {
  checkFolder(path, 'getImageFiles');
  const extensions = options.extensions ?? imageExtensions;
  const files = getFiles(path, { ...options, extensions });
  if (files.length === 0) {
    const where = options.folders ? `in its subfolders ${options.folders.map((f) => `'${f}'`).join(', ')}` : (options.recurse ?? true) ? 'recursively' : 'at its top level only';
    throw new Error(
      `getImageFiles: no image files in '${path}' (searched ${where} for ${extensions.join(', ')}). ` +
        'Check the path, or pass `extensions` to look for other file types',
    );
  }
  return files;
}
