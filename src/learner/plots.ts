/**
 * The Learner's plots as fastai draws them (the Recorder's loss, schedule and metrics curves,
 * and the learning-rate finder's curve), turned into series for `src/plot`, which draws them.
 * @module
 */
import { type Figure, type ImageFormat, lineChart, type LinePanel, type PointLabel, saveFigure, type Series } from '../plot/index.js';

/** Where and how a plot is written; every plot function returns the encoded bytes. */
export interface PlotFileOptions {
  /** Also write the image here (missing folders are created): SVG when it ends in `.svg`, else PNG. Default: only return it. */
  file?: string;
  /** Force the format of the returned bytes. Default: from `file`, else `'png'`. */
  format?: ImageFormat;
  /** Width of each panel's plot area in CSS px. Default 480. */
  width?: number;
  /** Height of each panel's plot area in CSS px. Default 300. */
  height?: number;
}

/** What the plots read from a Recorder (its fields of the same names). */
export interface RecordedCurves {
  readonly lrs: readonly number[];
  readonly moms: readonly number[];
  readonly losses: readonly number[];
  readonly iters: readonly number[];
  readonly values: readonly (readonly number[])[];
  readonly hps: Readonly<Record<string, readonly (readonly number[])[]>>;
  /** `['epoch', 'train_loss', 'valid_loss', ...metrics, 'time']`. */
  readonly names: readonly string[];
}

const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

function save(fig: Figure, options: PlotFileOptions): Promise<Buffer> {
  return saveFigure(fig, options.file, options.format);
}

function size(options: PlotFileOptions): { width?: number; height?: number } {
  return { ...(options.width === undefined ? {} : { width: options.width }), ...(options.height === undefined ? {} : { height: options.height }) };
}

function requireBatches(rec: RecordedCurves, what: string): void {
  if (rec.losses.length === 0) throw new Error(`${what}: nothing recorded yet; call it after learn.fit (or fitOneCycle, fineTune, lrFind)`);
}

/** Options for {@link plotLoss}. */
export interface PlotLossOptions extends PlotFileOptions {
  /** Training batches to leave out at the start (their smoothed loss is still settling). Default 5. */
  skipStart?: number;
  /** Also draw the validation loss at the end of each epoch. Default true. */
  withValid?: boolean;
  /** A log scale for the loss. Default false. */
  log?: boolean;
}

/**
 * fastai's `plot_loss`: the smoothed training loss per batch from batch `skipStart` on, and the
 * validation loss placed at each epoch's last batch (`recorder.iters`).
 */
export function plotLoss(rec: RecordedCurves, options: PlotLossOptions = {}): Promise<Buffer> {
  return save(lineChart(lossPanel(rec, options), size(options)), options);
}

/** The panel {@link plotLoss} draws (its series and axes), for drawing it another way. */
export function lossPanel(rec: RecordedCurves, options: Omit<PlotLossOptions, keyof PlotFileOptions> = {}): LinePanel {
  const { skipStart = 5, withValid = true, log = false } = options;
  requireBatches(rec, 'plotLoss');
  if (!Number.isInteger(skipStart) || skipStart < 0) throw new RangeError(`plotLoss: skipStart must be an integer >= 0 (batches to leave out), got ${skipStart}`);
  const start = Math.min(skipStart, rec.losses.length - 1);
  const series: Series[] = [{ name: 'train', x: range(start, rec.losses.length), y: rec.losses.slice(start) }];
  if (withValid) {
    const vx: number[] = [];
    const vy: number[] = [];
    rec.iters.forEach((it, e) => {
      const v = rec.values[e]?.[1];
      if (it >= start && v !== undefined && Number.isFinite(v)) {
        vx.push(it);
        vy.push(v);
      }
    });
    if (vx.length) series.push({ name: 'valid', x: vx, y: vy, mark: vx.length === 1 ? 'point' : 'line' });
  }
  return { series, title: 'learning curve', xLabel: 'steps', yLabel: 'loss', yScale: log ? 'log' : 'linear' };
}

/** Options for {@link plotSched}. */
export interface PlotSchedOptions extends PlotFileOptions {
  /** The hyper-parameters to draw, e.g. `['lr', 'mom']`. Default: every scheduled one (`recorder.hps`), else lr and mom. */
  keys?: readonly string[];
}

/**
 * fastai's `plot_sched`: one panel per scheduled hyper-parameter (learning rate, momentum, ...)
 * against the training batch, one line per parameter group when they differ.
 */
export function plotSched(rec: RecordedCurves, options: PlotSchedOptions = {}): Promise<Buffer> {
  const panels = schedPanels(rec, options);
  return save(lineChart(panels, { ...size(options), columns: Math.min(2, panels.length) }), options);
}

/** The panels {@link plotSched} draws. */
export function schedPanels(rec: RecordedCurves, options: { keys?: readonly string[] } = {}): LinePanel[] {
  requireBatches(rec, 'plotSched');
  const scheduled = Object.keys(rec.hps);
  const keys = options.keys ?? (scheduled.length ? scheduled : ['lr', 'mom']);
  return keys.map((key): LinePanel => {
    const rows = rec.hps[key] ?? (key === 'lr' ? rec.lrs.map((v) => [v]) : key === 'mom' ? rec.moms.map((v) => [v]) : undefined);
    if (!rows) throw new Error(`plotSched: '${key}' was not scheduled; recorded: ${[...new Set([...scheduled, 'lr', 'mom'])].join(', ')}`);
    const groups = Math.max(1, ...rows.map((r) => r.length));
    const same = rows.every((r) => r.every((v) => v === r[0]));
    const series: Series[] = (same ? [0] : range(0, groups)).map((g) => ({
      ...(same || groups === 1 ? {} : { name: `group ${g}` }),
      x: range(0, rows.length),
      y: rows.map((r) => r[g] ?? NaN),
    }));
    return { series, title: key, xLabel: 'steps', yLabel: key };
  });
}

/**
 * The training and validation losses per epoch in one panel, then one panel per metric per
 * epoch (the `plot_metrics` many fastai users add to the Recorder).
 */
export function plotMetrics(rec: RecordedCurves, options: PlotFileOptions = {}): Promise<Buffer> {
  const panels = metricsPanels(rec);
  return save(lineChart(panels, { ...size(options), columns: Math.min(2, panels.length) }), options);
}

/** The panels {@link plotMetrics} draws. */
export function metricsPanels(rec: RecordedCurves): LinePanel[] {
  if (rec.values.length === 0) throw new Error('plotMetrics: no epoch recorded yet; call it after learn.fit (or fitOneCycle, fineTune)');
  const epochs = range(0, rec.values.length);
  const col = (i: number): number[] => rec.values.map((r) => r[i] ?? NaN);
  const mark = rec.values.length === 1 ? 'point' : 'line';
  const metricNames = rec.names.slice(3, -1);
  return [
    { series: [{ name: 'train', x: epochs, y: col(0), mark }, { name: 'valid', x: epochs, y: col(1), mark }], title: 'losses', xLabel: 'epoch', yLabel: 'loss' },
    ...metricNames.map((name, k): LinePanel => ({ series: [{ name: 'valid', x: epochs, y: col(2 + k), mark }], title: name, xLabel: 'epoch', yLabel: name })),
  ];
}

/** Options for {@link plotLrFind}. */
export interface PlotLrFindOptions extends PlotFileOptions {
  /** Batches to leave out at the end (where the loss shoots up). Default 5. */
  skipEnd?: number;
}

/**
 * The curve and suggestions of an lr-finder run (what `learn.lrFind` returns). A suggestion's
 * label shows the field of the same name when there is one (`minimum` is a tenth of its point's lr).
 */
export interface LrFindCurve {
  readonly lrs: readonly number[];
  readonly losses: readonly number[];
  /** Each suggestion's name and point on the curve. Default none. */
  readonly points?: Readonly<Record<string, { lr: number; loss: number }>>;
  /** Each suggestion's value, for its label (as `learn.lrFindResult` holds them). Default: the field of the same name, else the point's lr. */
  readonly suggestions?: Readonly<Record<string, number>>;
}

/**
 * fastai's `plot_lr_find`: the smoothed loss against the learning rate on a log axis, without
 * the last `skipEnd` batches, each suggestion marked and labelled with its value.
 *
 * @example
 * const found = await learn.lrFind({ suggestFuncs: [minimum, steep, valley] });
 * await plotLrFind(found, { file: 'lr_find.png' });
 */
export function plotLrFind(curve: LrFindCurve, options: PlotLrFindOptions = {}): Promise<Buffer> {
  return save(lineChart(lrFindPanel(curve, options), size(options)), options);
}

/** The panel {@link plotLrFind} draws. */
export function lrFindPanel(curve: LrFindCurve, options: { skipEnd?: number } = {}): LinePanel {
  const { skipEnd = 5 } = options;
  if (!Number.isInteger(skipEnd) || skipEnd < 0) throw new RangeError(`plotLrFind: skipEnd must be an integer >= 0, got ${skipEnd}`);
  const n = Math.max(curve.lrs.length - skipEnd, Math.min(curve.lrs.length, 2));
  const keep = range(0, n).filter((i) => curve.lrs[i]! > 0 && Number.isFinite(curve.losses[i]));
  if (keep.length < 2) throw new Error('plotLrFind: fewer than 2 recorded batches to draw; run learn.lrFind() first (numIt >= 10)');
  // The label shows the suggested value, which is not always the point's lr (minimum is a tenth of it).
  const suggested = (name: string, lr: number): number => {
    const v = curve.suggestions?.[name] ?? (curve as unknown as Record<string, unknown>)[name];
    return typeof v === 'number' ? v : lr;
  };
  const markers: PointLabel[] = Object.entries(curve.points ?? {}).map(([name, p]) => ({ x: p.lr, y: p.loss, label: `${name}: ${suggested(name, p.lr).toExponential(2)}` }));
  return {
    series: [{ x: keep.map((i) => curve.lrs[i]!), y: keep.map((i) => curve.losses[i]!) }],
    xLabel: 'learning rate',
    yLabel: 'loss',
    xScale: 'log',
    markers,
  };
}

/** The fits of a run, joined by {@link joinFits}: one set of curves, and where each fit starts. */
export interface JoinedCurves extends RecordedCurves {
  /** The index in `losses` (and `lrs`, `moms`, the hps rows) of each fit's first batch. */
  readonly starts: readonly number[];
}

/**
 * The fits of a run (e.g. `learn.recorder.history`) end to end, as one set of curves that
 * {@link lossPanel} and {@link schedPanels} draw: batches and epochs numbered across the fits.
 * A fit without a scheduled hyper-parameter that another fit has gets its recorded lr or mom
 * (the last group's) there, NaN for the other groups (not drawn).
 */
export function joinFits(fits: readonly RecordedCurves[]): JoinedCurves {
  if (fits.length === 0) throw new Error('joinFits: no fits to join; train first (learn.fit, fitOneCycle, fineTune)');
  const starts: number[] = [];
  const keys = [...new Set(fits.flatMap((f) => Object.keys(f.hps)))];
  const groups = Math.max(1, ...fits.flatMap((f) => Object.values(f.hps).flatMap((rows) => rows.map((r) => r.length))));
  const hps: Record<string, number[][]> = Object.fromEntries(keys.map((k) => [k, []]));
  const out = { lrs: [] as number[], moms: [] as number[], losses: [] as number[], iters: [] as number[], values: [] as (readonly number[])[] };
  for (const f of fits) {
    const offset = out.losses.length;
    starts.push(offset);
    out.lrs.push(...f.lrs);
    out.moms.push(...f.moms);
    out.losses.push(...f.losses);
    out.iters.push(...f.iters.map((it) => it + offset));
    out.values.push(...f.values);
    for (const k of keys) {
      const own = f.hps[k];
      const fallback = k === 'lr' ? f.lrs : k === 'mom' ? f.moms : undefined;
      const rows = own ?? f.losses.map((_, i) => {
        const row = new Array<number>(groups).fill(NaN);
        if (fallback) row[groups - 1] = fallback[i] ?? NaN;
        return row;
      });
      hps[k]!.push(...rows.map((r) => [...r]));
    }
  }
  return { ...out, hps, names: fits[fits.length - 1]!.names, starts };
}

/**
 * The learning curve of a whole run ({@link lossPanel} over {@link joinFits}): with more than one
 * fit, each fit's training loss is its own series (`fitNames`, default 'fit 1', 'fit 2', ...),
 * so the fits can be told apart; the validation loss is one series across them.
 */
export function runLossPanel(fits: readonly RecordedCurves[], options: Omit<PlotLossOptions, keyof PlotFileOptions> & { fitNames?: readonly string[] } = {}): LinePanel {
  const { fitNames, ...lossOptions } = options;
  const joined = joinFits(fits);
  const panel = lossPanel(joined, lossOptions);
  if (fits.length < 2) return panel;
  const [train, ...rest] = panel.series;
  const series: Series[] = [];
  joined.starts.forEach((start, k) => {
    const end = joined.starts[k + 1] ?? Infinity;
    const keep = train!.x.flatMap((x, i) => (x >= start && x < end ? [i] : []));
    if (keep.length === 0) return; // a fit with no batch after skipStart
    const name = `${fitNames?.[k] ?? `fit ${k + 1}`} train`;
    series.push({ name, x: keep.map((i) => train!.x[i]!), y: keep.map((i) => train!.y[i]!), mark: keep.length === 1 ? 'point' : 'line' });
  });
  return { ...panel, series: [...series, ...rest] };
}
