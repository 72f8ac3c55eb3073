/**
 * Labelling functions: they take an item (usually a file path) and return its label.
 * Any plain function `(item) => label` works wherever a labeller is expected; these are
 * fastai's ready-made ones.
 * @module
 */
import { basename, dirname, extname } from 'node:path';

/** A function from an item to its label (or to any value a block consumes). */
export type Getter<I = unknown, O = unknown> = (item: I) => O | Promise<O>;

/** The parts of a file path that {@link usingAttr} can read, named as Python's `pathlib`. */
export type PathAttr = 'name' | 'stem' | 'suffix' | 'parent' | 'path';

/** Normalises separators to `/`, as fastai matches regexes on posix paths. */
function posix(path: string): string {
  return path.replace(/\\/g, '/');
}

/** `name` (file name), `stem` (without extension), `suffix` (extension), `parent` (folder). */
export function pathAttr(path: string, attr: PathAttr): string {
  switch (attr) {
    case 'name': return basename(path);
    case 'stem': return basename(path, extname(path));
    case 'suffix': return extname(path);
    case 'parent': return dirname(path);
    case 'path': return path;
  }
}

function describeItem(item: unknown): string {
  return typeof item === 'string' ? `'${item}'` : JSON.stringify(item);
}

/** Options for {@link RegexLabeller}. */
export interface RegexLabellerOptions {
  /** Match against the whole path (fastai's behaviour, separators as `/`) or only the file name. Default `'path'`. */
  matchOn?: 'path' | 'name';
}

/**
 * Labels an item with the first capture group of a regex *search* on its path (or file name).
 * No match is an error naming the item and the pattern.
 *
 * @example
 * const label = RegexLabeller(/^(.+)_\d+\.jpg$/, { matchOn: 'name' });
 * label('pets/great_pyrenees_173.jpg'); // 'great_pyrenees'
 */
export function RegexLabeller(pattern: RegExp | string, options: RegexLabellerOptions = {}): Getter<unknown, string> {
  const regex = typeof pattern === 'string' ? new RegExp(pattern) : new RegExp(pattern.source, pattern.flags.replace('g', ''));
  const matchOn = options.matchOn ?? 'path';
  if (matchOn !== 'path' && matchOn !== 'name') throw new RangeError(`RegexLabeller: matchOn must be 'path' or 'name', not '${String(matchOn)}'`);
  const labeller = (item: unknown): string => {
    const path = posix(String(item));
    const text = matchOn === 'name' ? basename(path) : path;
    const m = regex.exec(text);
    if (!m) {
      throw new Error(
        `RegexLabeller: the pattern ${regex} does not match ${describeItem(text)}` +
          // The hint helps only when there were folders to strip off.
          (matchOn === 'path' && path.includes('/') ? ` (the whole path; use { matchOn: 'name' } to match the file name only)` : '') +
          '. Fix the pattern, or remove files that do not follow the naming scheme',
      );
    }
    if (m[1] === undefined) throw new Error(`RegexLabeller: the pattern ${regex} has no capture group; put the label part in parentheses, e.g. /^(.+)_\\d+\\.jpg$/`);
    return m[1];
  };
  return Object.defineProperty(labeller, 'name', { value: `RegexLabeller(${regex})` });
}

/**
 * Applies `fn` to an attribute of the item: for a path string, `'name'`, `'stem'`,
 * `'suffix'`, `'parent'` or `'path'`; for an object, the property of that name.
 *
 * @example
 * usingAttr(RegexLabeller(/(.+)_\d+.jpg$/), 'name') // fastai's pets recipe
 */
export function usingAttr<O>(fn: Getter<unknown, O>, attr: string): Getter<unknown, O> {
  const getter = (item: unknown): O | Promise<O> => {
    if (typeof item === 'string') {
      if (!['name', 'stem', 'suffix', 'parent', 'path'].includes(attr)) {
        throw new RangeError(`usingAttr: a path has no attribute '${attr}'; use 'name', 'stem', 'suffix', 'parent' or 'path'`);
      }
      return fn(pathAttr(item, attr as PathAttr));
    }
    if (item === null || typeof item !== 'object' || !(attr in item)) {
      throw new Error(`usingAttr: item ${describeItem(item)} has no attribute '${attr}'`);
    }
    return fn((item as Record<string, unknown>)[attr]);
  };
  return Object.defineProperty(getter, 'name', { value: `usingAttr(${fn.name || 'fn'}, '${attr}')` });
}

/** The name of the folder that holds the file: fastai's `parent_label` (ImageNet-style folders). */
export function parentLabel(item: unknown): string {
  return basename(dirname(posix(String(item))));
}

/** Wraps a plain function as a named labeller (fastai's `FuncLabeller`; plain functions work too). */
export function FuncLabeller<I, O>(fn: (item: I) => O | Promise<O>, name = fn.name || 'FuncLabeller'): Getter<I, O> {
  const getter = (item: I) => fn(item);
  return Object.defineProperty(getter, 'name', { value: name });
}
