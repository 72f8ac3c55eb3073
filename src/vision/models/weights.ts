/**
 * Finding, downloading, verifying and loading weight files. A weights source is a local
 * `.safetensors` file, a folder holding the registered file name, or an http(s) URL; downloads
 * are cached under `$FASTAI_TS_HOME/models` (atomic, checksum-verified, partial files never used).
 * @module
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { download, sha256FileSync } from '../../core/download.js';
import { cachePath } from '../../core/home.js';
import { type nn, torch } from '../../torch/index.js';
import type { ArchOptions, WeightsSource } from './arch.js';

/** Options of the asynchronous weight loaders ({@link fetchWeights}, `loadPretrained`). */
export interface WeightsOptions extends Pick<ArchOptions, 'weights' | 'sha256'> {
  /** Folder for downloaded weights. Default `$FASTAI_TS_HOME/models` (`~/.cache/fastai-ts/models`). */
  cacheDir?: string;
  /** Hide the download progress bar. Default: `FASTAI_TS_QUIET` is set. */
  quiet?: boolean;
}

/** A weights file ready to load, with the checksum it must have (if known). */
interface Located {
  path: string;
  sha256?: string;
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);

/** The folder downloads go to. */
export function weightsCacheDir(options: Pick<WeightsOptions, 'cacheDir'> = {}): string {
  return options.cacheDir ?? cachePath('models');
}

/** The cache file for a URL: the registered file name for the registered URL, else a name unique to the URL. */
function cacheFileFor(url: string, name: string, source: WeightsSource | undefined, options: WeightsOptions): string {
  if (source?.url === url) return join(weightsCacheDir(options), source.fileName);
  const tail = basename(new URL(url).pathname) || 'weights.safetensors';
  const tag = createHash('sha256').update(url).digest('hex').slice(0, 10);
  return join(weightsCacheDir(options), `${name}-${tag}-${tail}`);
}

/** The checksum a file must have: the given one, else the registered one when the file has the registered name. */
function expectedSha(path: string, source: WeightsSource | undefined, options: WeightsOptions, url?: string): string | undefined {
  if (options.sha256 === null) return undefined;
  if (options.sha256 !== undefined) return options.sha256.toLowerCase();
  if (source?.sha256 && (basename(path) === source.fileName || (url !== undefined && url === source.url))) return source.sha256;
  return undefined;
}

/** How to supply the weights by hand, for error messages: pass them, or place them where the cache lookup looks. */
function howToSupply(name: string, source: WeightsSource | undefined, options: WeightsOptions, dest?: string | null): string {
  const file = source?.fileName ?? `${name}.safetensors`;
  const pass = `pass weights: '/path/to/${file}' (a local file, or a folder holding ${file})`;
  return dest === null ? pass : `${pass}, or place the file at ${dest ?? join(weightsCacheDir(options), file)}`;
}

/**
 * The local file `options.weights` names (a file, or a folder holding the registered file name),
 * or the cached file of a URL / the registered source; else the URL to download and its cache path.
 */
function locate(name: string, source: WeightsSource | undefined, options: WeightsOptions): Located | { url: string; dest: string } {
  const given = options.weights;
  if (given !== undefined && !isUrl(given)) {
    const p = resolve(given);
    if (!existsSync(p)) throw new Error(`${name}: the weights file ${p} does not exist; ${howToSupply(name, source, options)}`);
    if (statSync(p).isDirectory()) {
      const file = source?.fileName;
      if (!file) throw new Error(`${name}: weights ${p} is a folder, but no file name is registered for ${name}; pass the .safetensors file itself`);
      const inside = join(p, file);
      if (!existsSync(inside)) throw new Error(`${name}: the folder ${p} has no ${file}; pass the file itself or the folder that holds it`);
      return { path: inside, sha256: expectedSha(inside, source, options) };
    }
    return { path: p, sha256: expectedSha(p, source, options) };
  }
  const url = given ?? source?.url;
  if (url === undefined) {
    if (source) {
      const cached = join(weightsCacheDir(options), source.fileName);
      if (existsSync(cached)) return { path: cached, sha256: expectedSha(cached, source, options) };
      throw new Error(
        `${name}: its pretrained weights (${source.fileName}) are not downloadable and not in the cache; ${howToSupply(name, source, options)}. ` +
          `Origin: ${source.origin}`,
      );
    }
    throw new Error(`${name}: no pretrained weights are registered; pass weights: '/path/to/file.safetensors' with its state dict (see docs/models.md)`);
  }
  const dest = cacheFileFor(url, name, source, options);
  if (existsSync(dest)) return { path: dest, sha256: expectedSha(dest, source, options, url) };
  return { url, dest };
}

function verify(name: string, file: Located): string {
  if (file.sha256) {
    const got = sha256FileSync(file.path);
    if (got !== file.sha256) {
      throw new Error(
        `${name}: ${file.path} has sha256 ${got}, expected ${file.sha256}: the file is corrupt or not the expected weights. ` +
          'Delete it to download it again, or pass sha256: null to load your own file of that name anyway',
      );
    }
  }
  return file.path;
}

/**
 * The local path of `name`'s weights without downloading: `options.weights` (file or folder),
 * else the cached copy of its URL. Verifies the checksum. Throws, saying how to get the file,
 * when it would need a download.
 */
export function resolveWeightsSync(name: string, source: WeightsSource | undefined, options: WeightsOptions = {}): string {
  const found = locate(name, source, options);
  if ('path' in found) return verify(name, found);
  const { url, dest } = found;
  throw new Error(
    `${name}: the pretrained weights are not in the cache (${dest}). Download them first with ` +
      `\`await loadPretrained('${name}')\` or \`await fetchWeights('${name}')\` (from ${url}), or ${howToSupply(name, source, options, dest)}`,
  );
}

/**
 * The local path of `name`'s weights, downloading them into the cache when needed (progress on
 * stderr, atomic rename, sha256 checked). Offline with no cached copy, the error names the missing
 * file, the URL and how to pass a local file.
 */
export async function resolveWeights(name: string, source: WeightsSource | undefined, options: WeightsOptions = {}): Promise<string> {
  const found = locate(name, source, options);
  if ('path' in found) return verify(name, found);
  const { url, dest } = found;
  const sha256 = expectedSha(dest, source, options, url);
  try {
    return await download(url, dest, { sha256, label: `${name} weights`, quiet: options.quiet });
  } catch (e) {
    // download()'s message already names the URL and says where to place a hand-downloaded copy.
    throw new Error(`${name}: the weights are not in the cache and ${(e as Error).message}; or ${howToSupply(name, source, options, null)}`, { cause: e });
  }
}

/**
 * Loads a safetensors file into `model` with `loadStateDict` (strict by default: every key must
 * match, with the same shapes), freeing the file's tensors afterwards.
 */
export function loadWeightsFile(model: nn.Module, path: string, options: { strict?: boolean } = {}): nn.LoadStateDictResult {
  const sd = torch.loadSafetensors(path);
  try {
    return model.loadStateDict(sd, options);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`, { cause: e });
  } finally {
    torch.dispose(sd);
  }
}

/**
 * What every architecture constructor does with {@link ArchOptions}: when `pretrained` or
 * `weights` is given, load the weights into the freshly built model (synchronously).
 */
export function withPretrained<M extends nn.Module>(name: string, source: WeightsSource | undefined, model: M, options: ArchOptions): M {
  if (!options.pretrained && options.weights === undefined) return model;
  if (options.weights === undefined && (options.numClasses ?? 1000) !== 1000) {
    model.dispose();
    throw new Error(
      `${name}: the pretrained weights have 1000 ImageNet classes, not numClasses ${options.numClasses}; ` +
        `build it with 1000 classes, or use createVisionModel('${name}', ${options.numClasses}) for a new head`,
    );
  }
  try {
    loadWeightsFile(model, resolveWeightsSync(name, source, options));
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
