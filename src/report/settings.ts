/**
 * The report's settings, derived from the Learner (data, model, training recipe, machine and
 * engine versions) and merged with the caller's own (a CLI's command line, split and seed).
 * @module
 */
import { availableParallelism, arch, release, totalmem, type } from 'node:os';
import { resolve } from 'node:path';
import type { Learner } from '../learner/index.js';
import { ChannelsLast, MixedPrecision } from '../learner/index.js';
import { fastaiTsVersion } from '../learner/export.js';
import { torch } from '../torch/index.js';
import { numParams, VisionModel } from '../vision/index.js';

/** A value the settings table shows. */
export type SettingValue = string | number | boolean;

/** One titled block of the settings table. */
export interface SettingsGroup {
  title: string;
  rows: [key: string, value: SettingValue][];
}

/** A transform's name and, when it describes itself, its parameters (as `summary()` prints them). */
function describeTfm(t: { name: string; describe?: () => string }): string {
  const d = t.describe?.();
  return d ? `${t.name} ${d}` : t.name;
}

function classes(vocab: readonly string[]): string {
  const shown = vocab.slice(0, 12).join(', ');
  return vocab.length > 12 ? `${vocab.length}: ${shown}, ... (${vocab.length - 12} more)` : `${vocab.length}: ${shown}`;
}

/** `f()`, or undefined when it throws (a setting that cannot be read is left out, not fatal). */
function tryRead<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

function architecture(learn: Learner): string {
  const model = learn.model;
  if (model instanceof VisionModel) return model.config?.arch ?? model.arch.name;
  return model.constructor.name;
}

function precision(learn: Learner): string {
  const mp = learn.cb(MixedPrecision);
  if (!mp) return 'float32';
  const dtype = tryRead(() => mp.autocastOptions().dtype) ?? mp.dtype ?? 'default';
  return `mixed precision (${dtype} autocast, float32 weights)`;
}

function optimizerName(learn: Learner): string {
  return learn.optFunc.name || learn.opt?.constructor.name || 'custom';
}

const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/**
 * What the report can tell from the Learner and this machine, grouped. Keys are plain words
 * ('data folder', 'architecture', 'CPU', ...); {@link mergeSettings} lets a caller replace any.
 */
export function derivedSettings(learn: Learner): SettingsGroup[] {
  const dls = learn.dls;
  const data: SettingsGroup = { title: 'Data', rows: [] };
  const add = (g: SettingsGroup, key: string, value: SettingValue | undefined) => {
    if (value !== undefined && value !== '') g.rows.push([key, value]);
  };
  add(data, 'data folder', resolve(dls.path));
  add(data, 'items', tryRead(() => dls.datasets.items.length));
  add(data, 'classes', tryRead(() => classes(dls.vocab)));
  add(data, 'train items', tryRead(() => dls.train.n));
  add(data, 'valid items', tryRead(() => dls.valid.n));
  const bs = tryRead(() => (dls.valid.bs === dls.train.bs ? `${dls.train.bs}` : `${dls.train.bs} (valid ${dls.valid.bs})`));
  add(data, 'batch size', bs);
  add(data, 'item transforms', tryRead(() => dls.pipeline.itemTfms.map(describeTfm).join(', ') || 'none'));
  add(data, 'batch transforms', tryRead(() => dls.pipeline.batchTfms.map(describeTfm).join(', ') || 'none'));
  add(data, 'loader seed', tryRead(() => dls.train.seed));
  add(data, 'device', tryRead(() => dls.device));

  const model: SettingsGroup = { title: 'Model', rows: [] };
  add(model, 'architecture', architecture(learn));
  const total = numParams(learn.model);
  const trainable = numParams(learn.model, { trainable: true });
  add(model, 'parameters', `${total.toLocaleString('en-US')} (${trainable.toLocaleString('en-US')} trainable now)`);
  add(model, 'parameter groups', learn.opt?.paramGroups.length ?? tryRead(() => learn.splitter(learn.model).length));

  const training: SettingsGroup = { title: 'Training', rows: [] };
  add(training, 'loss', learn.lossFunc.name);
  add(training, 'optimizer', optimizerName(learn));
  add(training, 'metrics', learn.recorder.metricNames.join(', ') || 'none');
  const wd = learn.wd ?? learn.opt?.hypers[0]?.wd;
  add(training, 'weight decay', wd);
  add(training, 'precision', precision(learn));
  add(training, 'memory format', learn.cb(ChannelsLast) ? 'channels-last' : 'contiguous');
  const history = learn.recorder.history;
  const epochs = history.reduce((a, f) => a + f.values.length, 0);
  add(training, 'fits', `${history.length} (${epochs} epoch${epochs === 1 ? '' : 's'})`);

  const machine: SettingsGroup = { title: 'Machine', rows: [] };
  add(machine, 'CPU', torch.backends.cpu.cpuInfo().model);
  add(machine, 'cores', availableParallelism());
  add(machine, 'engine threads', tryRead(() => torch.getNumThreads()));
  add(machine, 'memory', gib(totalmem()));
  if (tryRead(() => torch.cuda.isAvailable())) add(machine, 'CUDA devices', torch.cuda.deviceCount());
  add(machine, 'OS', `${type()} ${release()} (${arch()})`);
  add(machine, 'Node.js', process.version);
  add(machine, 'libtorch', tryRead(() => torch.version()));
  add(machine, 'fastai-ts', fastaiTsVersion());
  add(machine, 'date', new Date().toISOString().replace(/\.\d+Z$/, 'Z'));
  return [data, model, training, machine];
}

/**
 * The derived groups with the caller's settings applied: a key already there (compared without
 * case) gets the caller's value in place; new keys come first, in their own 'Run' group, in the
 * order given.
 */
export function mergeSettings(groups: readonly SettingsGroup[], given: Readonly<Record<string, SettingValue>> = {}): SettingsGroup[] {
  const out = groups.map((g) => ({ title: g.title, rows: g.rows.map(([k, v]) => [k, v] as [string, SettingValue]) }));
  const run: SettingsGroup = { title: 'Run', rows: [] };
  for (const [key, value] of Object.entries(given)) {
    const lower = key.toLowerCase();
    const row = out.flatMap((g) => g.rows).find(([k]) => k.toLowerCase() === lower);
    if (row) row[1] = value;
    else run.rows.push([key, value]);
  }
  return run.rows.length ? [run, ...out] : out;
}
