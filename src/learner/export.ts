/**
 * The export file behind `learn.export(file)` / `loadLearner(file)`: ONE safetensors file with
 * no code in it. Its tensors are the model's state dict; its string metadata (JSON inside) says
 * how to rebuild everything else: the architecture by registered name with the options that
 * shape it, the blocks (with the vocab), the item and batch transforms by registered type with
 * their options, the loss by name, and a format name and version. Reading never runs code from
 * the file, so a file written by one version loads in any later one that still reads its format
 * version (fastai's pickled exports do not: fastbook#472, fastai#3709). See docs/export.md.
 * @module
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataLoaders } from '../data/dataloaders.js';
import { type JSONValue, type PipelineSpec, pipelineFromSpec, pipelineSpec } from '../data/spec.js';
import { torch } from '../torch/index.js';
import { archNames } from '../vision/models/registry.js';
import { rebuildVisionModel, type VisionModel, type VisionModelConfig } from '../vision/models/vision-model.js';
// The vision layer registers its blocks' and transforms' specs when it loads.
import '../vision/index.js';

/** The `format` metadata value of an export. */
export const EXPORT_FORMAT = 'fastai-ts.export';
/** The format version this build writes. */
export const EXPORT_VERSION = 1;
/** The format versions this build reads. */
export const READABLE_EXPORT_VERSIONS: readonly number[] = [1];

/** What {@link writeExport} stores. */
export interface ExportParts {
  /** Built by `createVisionModel` (or `visionLearner`) from a registered architecture. */
  model: VisionModel;
  /** The loaders whose blocks and transforms inference repeats. */
  dls: DataLoaders;
  /** The loss's name, e.g. `'CrossEntropyLossFlat'`. */
  lossFunc: string;
  /** The loss's options, JSON only (e.g. `{ labelSmoothing: 0.1 }`). Default: none. */
  lossOptions?: JSONValue;
}

/** The metadata of an export, parsed and checked (see {@link readExportMeta}). */
export interface ExportMeta {
  format: typeof EXPORT_FORMAT;
  formatVersion: number;
  /** The fastai-ts version that wrote it. */
  fastaiTsVersion: string;
  /** The libtorch version it was written on (informational). */
  libtorchVersion: string;
  model: VisionModelConfig;
  /** Blocks (inputs first) and the transforms added to theirs. */
  pipeline: PipelineSpec;
  /** How many leading blocks are inputs. */
  nInp: number;
  loss: { name: string; options?: JSONValue };
  /** The validation batch size: the default of the rebuilt loaders' `testDl`. */
  bs: number;
}

/** What {@link readExport} rebuilds. */
export interface LoadedExport {
  /** In evaluation mode, on the CPU, with the exported weights. */
  model: VisionModel;
  /** Inference-only loaders (see `DataLoaders.forInference`): `testDl(items)`, `vocab`. */
  dls: DataLoaders;
  lossFunc: string;
  lossOptions?: JSONValue;
  meta: ExportMeta;
}

/** Options for {@link readExport}. */
export interface ReadExportOptions {
  /** Where the rebuilt loaders send batches. Default: 'cuda' when available, else 'cpu'. */
  device?: string;
  /** Default batch size of `testDl`. Default: the exported validation batch size. */
  bs?: number;
}

let version: string | undefined;

/** The version in fastai-ts's package.json (found above this file, from src/ or dist/src/). */
export function fastaiTsVersion(): string {
  if (version !== undefined) return version;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const json = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string; version?: string };
      if (json.name === 'fastai-ts') return (version = json.version ?? 'unknown');
    }
    if (dirname(dir) === dir) return (version = 'unknown');
  }
}

/** Throws unless `v` is plain JSON (no functions, tensors, class instances or non-finite numbers). */
function checkJSON(v: unknown, where: string): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError(`${where} is ${v}, which JSON cannot store`);
    return;
  }
  if (Array.isArray(v)) return v.forEach((x, i) => checkJSON(x, `${where}[${i}]`));
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v)) checkJSON(x, `${where}.${k}`);
    return;
  }
  throw new TypeError(`${where} is ${typeof v === 'object' ? `a ${v.constructor?.name ?? 'object'}` : `a ${typeof v}`}, which an export cannot store (JSON only: numbers, strings, booleans, arrays, plain objects)`);
}

/**
 * Writes `parts` as one self-contained safetensors file at `file` (parent folders created),
 * under a temporary name renamed into place, so a crash never leaves a partial file. Everything
 * is checked before anything is written: a model with a custom head or cut function, or a
 * transform without a registered spec, fails naming it.
 * @example
 * writeExport('models/pets.safetensors', { model: learn.model, dls: learn.dls, lossFunc: 'CrossEntropyLossFlat' });
 */
export function writeExport(file: string, parts: ExportParts): void {
  const who = `export ${file}`;
  if (typeof file !== 'string' || !file) throw new TypeError(`export: file must be a path string, got ${JSON.stringify(file)}`);
  const { model, dls, lossFunc, lossOptions } = parts;
  const config = model.exportConfig(who);
  const pipeline = pipelineSpec(dls.pipeline, who);
  if (typeof lossFunc !== 'string' || !lossFunc) throw new TypeError(`${who}: lossFunc must be the loss's name (e.g. 'CrossEntropyLossFlat'), got ${JSON.stringify(lossFunc)}`);
  if (lossOptions !== undefined) checkJSON(lossOptions, `${who}: lossOptions`);
  const metadata: Record<string, string> = {
    format: EXPORT_FORMAT,
    format_version: String(EXPORT_VERSION),
    fastai_ts_version: fastaiTsVersion(),
    libtorch_version: torch.version(),
    model: JSON.stringify(config),
    pipeline: JSON.stringify({ ...pipeline, nInp: dls.datasets.config.nInp }),
    loss: JSON.stringify(lossOptions === undefined ? { name: lossFunc } : { name: lossFunc, options: lossOptions }),
    dataloaders: JSON.stringify({ bs: dls.valid.bs }),
  };
  mkdirSync(dirname(file), { recursive: true });
  torch.saveSafetensors(file, model.stateDict(), metadata);
}

function parseField<T>(file: string, metadata: Record<string, string>, key: string): T {
  const raw = metadata[key];
  if (raw === undefined) throw new Error(`${file}: the export's metadata has no '${key}' field; the file is damaged or was not written by fastai-ts`);
  try {
    return JSON.parse(raw) as T;
  } catch (e) {
    throw new Error(`${file}: the export's metadata field '${key}' is not valid JSON (${(e as Error).message}); the file is damaged`, { cause: e });
  }
}

/**
 * The metadata of the export at `file`, checked, without loading its tensors. Fails naming the
 * file when it is not a safetensors file (or truncated), a plain weights file, not a fastai-ts
 * export, or of a format version this build cannot read.
 */
export function readExportMeta(file: string): ExportMeta {
  const metadata = torch.safetensorsMetadata(file); // names the file when missing, truncated or not safetensors
  const format = metadata.format;
  if (format === undefined) {
    throw new Error(
      `${file} is a plain weights file (safetensors with no fastai-ts export metadata), not a fastai-ts export: ` +
        `load it into a model with loadWeightsFile(model, '${file}'), or write an export with learn.export(file)`,
    );
  }
  if (format !== EXPORT_FORMAT) throw new Error(`${file} is not a fastai-ts export: its metadata says format '${format}' (an export says '${EXPORT_FORMAT}')`);
  const writer = metadata.fastai_ts_version ?? 'unknown';
  const formatVersion = Number(metadata.format_version);
  const readable = `this build (fastai-ts ${fastaiTsVersion()}) reads format version ${READABLE_EXPORT_VERSIONS.join(', ')}`;
  if (!Number.isInteger(formatVersion) || formatVersion < 1) {
    throw new Error(`${file}: the export's format version '${metadata.format_version}' is not a version number; the file is damaged (${readable})`);
  }
  if (!READABLE_EXPORT_VERSIONS.includes(formatVersion)) {
    const fix = formatVersion > EXPORT_VERSION ? 'upgrade fastai-ts to load it' : 'load it with the fastai-ts that wrote it and export it again';
    throw new Error(`${file} is a fastai-ts export of format version ${formatVersion} (written by fastai-ts ${writer}); ${readable}: ${fix}`);
  }
  const pipeline = parseField<PipelineSpec & { nInp: number }>(file, metadata, 'pipeline');
  return {
    format: EXPORT_FORMAT,
    formatVersion,
    fastaiTsVersion: writer,
    libtorchVersion: metadata.libtorch_version ?? 'unknown',
    model: parseField<VisionModelConfig>(file, metadata, 'model'),
    pipeline: { blocks: pipeline.blocks, itemTfms: pipeline.itemTfms, batchTfms: pipeline.batchTfms },
    nInp: pipeline.nInp,
    loss: parseField<{ name: string; options?: JSONValue }>(file, metadata, 'loss'),
    bs: parseField<{ bs: number }>(file, metadata, 'dataloaders').bs,
  };
}

/**
 * Rebuilds what {@link writeExport} stored: the model (randomly initialised from the registered
 * architecture, then the file's tensors loaded strictly; nothing is downloaded) and inference
 * loaders over the same blocks and transforms, so `dls.testDl(items)` batches match the
 * original's exactly. Fails naming the file and the problem: not safetensors or truncated, a
 * plain weights file, a format version this build cannot read, an unknown architecture or
 * transform type (with the registered ones), or tensors that do not fit the architecture.
 * @example
 * const { model, dls } = await readExport('models/pets.safetensors');
 * const dl = await dls.testDl(['cat.jpg']);
 */
export async function readExport(file: string, options: ReadExportOptions = {}): Promise<LoadedExport> {
  const meta = readExportMeta(file);
  let parts: ReturnType<typeof pipelineFromSpec>;
  try {
    parts = pipelineFromSpec(meta.pipeline, 'loadLearner');
  } catch (e) {
    throw new Error(`${file}: cannot rebuild the export's data pipeline: ${(e as Error).message}`, { cause: e });
  }
  const dls = await DataLoaders.forInference(
    { blocks: parts.blocks, nInp: meta.nInp },
    { itemTfms: parts.itemTfms, batchTfms: parts.batchTfms },
    { bs: options.bs ?? meta.bs, ...(options.device === undefined ? {} : { device: options.device }) },
  );

  const arch = meta.model?.arch;
  if (typeof arch === 'string' && !archNames().includes(arch)) {
    throw new Error(`${file}: the export's architecture '${arch}' is not registered in this program (known: ${archNames().join(', ')}); register it with registerArch before loading`);
  }
  let model: VisionModel;
  try {
    model = await rebuildVisionModel(meta.model);
  } catch (e) {
    throw new Error(`${file}: cannot rebuild the export's model: ${(e as Error).message}`, { cause: e });
  }
  try {
    const sd = torch.loadSafetensors(file); // names the file when its data is truncated
    try {
      model.loadStateDict(sd);
    } catch (e) {
      throw new Error(
        `${file}: the export's tensors do not match architecture '${meta.model.arch}' with nOut ${meta.model.nOut} and its head options ` +
          `(the file is damaged or was edited): ${(e as Error).message}`,
        { cause: e },
      );
    } finally {
      torch.dispose(sd);
    }
  } catch (e) {
    model.dispose();
    throw e;
  }
  model.eval();
  return {
    model,
    dls,
    lossFunc: meta.loss.name,
    ...(meta.loss.options === undefined ? {} : { lossOptions: meta.loss.options }),
    meta,
  };
}
