/**
 * `writeReport`: one self-contained HTML page about a training run -- the settings, the epoch
 * table of every fit, the loss and schedule curves, the learning-rate finder, a batch of
 * training images, and the interpretation of the validation set (confusion matrix, most
 * confused pairs, classification report, top losses). Images are inlined PNGs; the page makes
 * no requests, so it can be mailed or archived as one file.
 * @module
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describeArg } from '../data/validate.js';
import { ClassificationInterpretation } from '../interpret/index.js';
import { formatFixed } from '../interpret/classification-report.js';
import {
  type FitRecord, formatCell, formatTime, joinFits, type Learner, type LrFindCurve, lrFindPanel, runLossPanel, schedPanels,
} from '../learner/index.js';
import { lineChart } from '../plot/index.js';
import { type Cell, CSS, esc, figure, missing, section, table } from './html.js';
import { derivedSettings, mergeSettings, type SettingValue } from './settings.js';

/** Options for {@link writeReport} and `learn.report`. */
export interface ReportOptions {
  /** The page's title. Default 'Training report'. */
  title?: string;
  /**
   * Settings to show besides those derived from the Learner (e.g. the command line, the split,
   * the seed). A key the report derives too (compared without case: 'seed', 'architecture',
   * 'data folder', ...) replaces the derived value; new keys are listed first, under 'Run', in
   * the order given. The key 'command' is shown as code under the title instead. Default none.
   */
  settings?: Readonly<Record<string, SettingValue>>;
  /** Where the learner was exported (`learn.export(file)`); shown with its size. Default: none (the page says it was not exported). */
  exportPath?: string;
  /** The learning-rate finder's result to draw (what `learn.lrFind()` returned). Default `learn.lrFindResult` (the last run). */
  lrFind?: LrFindCurve | null;
  /** The interpretation to show, when one was made already. Default: one `ClassificationInterpretation.fromLearner(learn)`, made once for every section. */
  interpretation?: ClassificationInterpretation;
  /** How many of the largest losses to draw. Default 9. */
  topLosses?: number;
  /** Lines shown at the top, e.g. 'stopped by Ctrl-C after epoch 2'. Default none. */
  notes?: readonly string[];
}

/** One part of the page: its anchor, heading and body (or why it could not be made). */
interface Part {
  id: string;
  title: string;
  body: string;
}

/** `make()`, or a line saying why it failed: one broken part never costs the whole page. */
async function safely(what: string, make: () => Promise<string> | string): Promise<string> {
  try {
    return await make();
  } catch (e) {
    return missing(`The ${what} could not be made: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function checkOptions(file: unknown, options: ReportOptions): void {
  if (typeof file !== 'string' || file.trim() === '') throw new TypeError(`writeReport: file must be a path such as 'report.html', got ${describeArg(file)}`);
  if (typeof options !== 'object' || options === null) throw new TypeError(`writeReport: options must be an object, got ${describeArg(options)}`);
  for (const [k, v] of Object.entries(options.settings ?? {})) {
    if (!['string', 'number', 'boolean'].includes(typeof v)) {
      throw new TypeError(`writeReport: settings['${k}'] must be a string, number or boolean, got ${describeArg(v)}; turn it into text first (e.g. JSON.stringify)`);
    }
  }
  const k = options.topLosses;
  if (k !== undefined && (!Number.isInteger(k) || k < 0)) throw new RangeError(`writeReport: topLosses must be an integer >= 0 (0 leaves the images out), got ${describeArg(k)}`);
  if (options.notes !== undefined && (!Array.isArray(options.notes) || !options.notes.every((n) => typeof n === 'string'))) {
    throw new TypeError(`writeReport: notes must be an array of strings, got ${describeArg(options.notes)}`);
  }
}

/** The name of each fit in the table and plots: its number, and whether the body was frozen. */
function fitName(fit: FitRecord, k: number): string {
  return fit.frozenGroups > 0 ? `${k + 1} (frozen)` : `${k + 1}`;
}

function sciLr(lr: number): string {
  return Number.isFinite(lr) ? lr.toExponential(2) : String(lr);
}

/** Columns of the run's table: the Learner's, every metric of any fit, in order of appearance. */
function runColumns(history: readonly FitRecord[]): string[] {
  const cols: string[] = [];
  for (const f of history) for (const n of f.names.slice(1, -1)) if (!cols.includes(n)) cols.push(n);
  return cols;
}

/** The result line under the title: the last epoch's numbers. */
function resultLine(history: readonly FitRecord[]): string {
  const last = [...history].reverse().find((f) => f.values.length > 0);
  if (!last) return '';
  const row = last.values[last.values.length - 1]!;
  const epochs = history.reduce((a, f) => a + f.values.length, 0);
  const seconds = history.reduce((a, f) => a + f.epochTimes.reduce((x, y) => x + y, 0), 0);
  const parts = last.names.slice(1, -1).map((n, i) => `${esc(n)} <b>${esc(formatCell(row[i]!))}</b>`);
  return `<p class="result">After ${epochs} epoch${epochs === 1 ? '' : 's'} (${history.length} fit${history.length === 1 ? '' : 's'}, ${esc(formatTime(seconds))}): ${parts.join(' &middot; ')}</p>`;
}

function settingsPart(learn: Learner, options: ReportOptions): Part {
  const groups = mergeSettings(derivedSettings(learn), options.settings);
  const block = (g: (typeof groups)[number]) =>
    `<table class="settings"><tbody><tr class="group"><th colspan="2">${esc(g.title)}</th></tr>` +
    g.rows.filter(([k]) => k.toLowerCase() !== 'command').map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('') +
    '</tbody></table>';
  return { id: 'settings', title: 'Settings', body: `<div class="settings-grid">${groups.map(block).join('\n')}</div>` };
}

function epochsPart(learn: Learner): Part {
  const history = learn.recorder.history;
  const cols = runColumns(history);
  const head = ['fit', 'epoch', ...cols, 'time'];
  const rows: Cell[][] = [];
  history.forEach((fit, k) => {
    const own = fit.names.slice(1, -1);
    fit.values.forEach((v, e) => {
      const fitCell: Cell = fit.frozenGroups > 0 ? { text: fitName(fit, k), className: 'frozen' } : fitName(fit, k);
      rows.push([fitCell, String(fit.epochs[e] ?? e), ...cols.map((c) => (own.includes(c) ? formatCell(v[own.indexOf(c)]!) : '')), formatTime(fit.epochTimes[e] ?? NaN)]);
    });
  });
  const numeric = head.map((_, i) => i).filter((i) => i > 0);
  const tableHtml = `<div class="scroll">${table(head, rows, { id: 'epochs', numeric })}</div>`;
  const fits = history.map((fit, k) => {
    const ran = fit.values.length;
    const groups = fit.groups > 1 ? `, ${fit.frozenGroups ? `${fit.frozenGroups} of ${fit.groups} parameter groups frozen` : `all ${fit.groups} parameter groups trained`}` : '';
    const lrs = fit.startLrs.filter(Number.isFinite);
    const lr = lrs.length ? `, lr ${lrs.length > 1 && lrs[0] !== lrs[lrs.length - 1] ? `${sciLr(lrs[0]!)} to ${sciLr(lrs[lrs.length - 1]!)} over the groups` : sciLr(lrs[lrs.length - 1]!)}` : '';
    const stop = fit.stopped ? ', stopped early' : ran < fit.nEpoch ? ', ended early' : '';
    return `<li>fit ${k + 1}: ${ran} of ${fit.nEpoch} epoch${fit.nEpoch === 1 ? '' : 's'}${esc(groups)}${esc(lr)}${esc(stop)}</li>`;
  });
  const body = history.length === 0
    ? `${tableHtml}\n${missing('No epoch was trained with this Learner (learn.fit, fitOneCycle or fineTune add rows here).')}`
    : `${tableHtml}\n<ul class="fits">${fits.join('')}</ul>`;
  return { id: 'training', title: 'Epochs', body };
}

async function curvesPart(learn: Learner): Promise<Part> {
  const history = learn.recorder.history.filter((f) => f.losses.length > 0);
  if (history.length === 0) return { id: 'curves', title: 'Loss and schedule', body: missing('No training batch was recorded, so there are no curves to draw.') };
  const names = learn.recorder.history.map((f, k) => (f.losses.length ? `fit ${fitName(f, k)}` : '')).filter(Boolean);
  const loss = await safely('loss plot', async () => {
    const skipStart = Math.min(5, Math.floor(history[0]!.losses.length / 2));
    const png = await lineChart(runLossPanel(history, { skipStart, fitNames: names }), { width: 460, height: 260 }).toPNG();
    return figure(png, 'training and validation loss over the run', 'Smoothed training loss per batch; validation loss after each epoch.');
  });
  const joined = joinFits(history);
  // lr and mom as separate charts: lineChart shares one legend, which would mix lr's groups with mom's line
  const hyper = (key: 'lr' | 'mom', what: string) => safely(`${what} plot`, async () => {
    if (joined.hps[key] === undefined && !(key === 'lr' ? joined.lrs : joined.moms).some(Number.isFinite)) return '';
    const png = await lineChart(schedPanels(joined, { keys: [key] }), { width: 300, height: 200 }).toPNG();
    return figure(png, `${what} per batch`, `The ${what} of each batch${key === 'lr' ? ' (one line per parameter group when they differ)' : ''}.`);
  });
  const lr = await hyper('lr', 'learning rate');
  const mom = await hyper('mom', 'momentum');
  return { id: 'curves', title: 'Loss and schedule', body: `<div class="figures">${loss}</div>\n<div class="figures">${lr}${mom}</div>` };
}

/** A suggestion's value: the result's own field (or `suggestions`), else its point's lr. */
function suggestionValue(curve: LrFindCurve, name: string, pointLr: number): number {
  const v = curve.suggestions?.[name] ?? (curve as unknown as Record<string, unknown>)[name];
  return typeof v === 'number' ? v : pointLr;
}

async function lrFindPart(learn: Learner, options: ReportOptions): Promise<Part> {
  const curve = options.lrFind === undefined ? learn.lrFindResult : options.lrFind;
  const id = 'lr-find';
  const title = 'Learning-rate finder';
  if (!curve) return { id, title, body: missing('lrFind was not run, so there is no learning-rate curve (run learn.lrFind() before training to add it).') };
  const plot = await safely('lr finder plot', async () => figure(await lineChart(lrFindPanel(curve), { width: 460, height: 260 }).toPNG(), 'loss against learning rate', 'Smoothed loss against the learning rate (log scale), each suggestion marked.'));
  const points = Object.entries(curve.points ?? {});
  const suggestions = points.length
    ? table(['rule', 'suggested lr'], points.map(([name, p]) => [name, sciLr(suggestionValue(curve, name, p.lr))]), { numeric: [1] })
    : missing('No suggestion rule was run.');
  return { id, title, body: `<div class="figures">${plot}<div><h3>Suggestions</h3>${suggestions}</div></div>` };
}

async function batchPart(learn: Learner): Promise<Part> {
  const body = await safely('batch of training images', async () => {
    if (learn.dls.inferenceOnly || learn.dls.train.n === 0) return missing('There are no training items to show.');
    const png = await learn.dls.showBatch({ nrows: 2, ncols: 4, cellSize: 128 });
    return figure(png, 'a batch of training images with their labels', 'The first training batch after the item and batch transforms (augmentation included), with each label.');
  });
  return { id: 'batch', title: 'Training images', body };
}

function reportTable(interp: ClassificationInterpretation): string {
  const r = interp.classificationReport();
  const f = (x: number) => formatFixed(x, 2);
  const rows: Cell[][] = r.classes.map((c) => [c.label, f(c.precision), f(c.recall), f(c.f1), String(c.support)]);
  rows.push([{ text: 'accuracy', className: 'total' }, '', '', f(r.accuracy), String(r.macroAvg.support)]);
  rows.push([{ text: 'macro avg', className: 'total' }, f(r.macroAvg.precision), f(r.macroAvg.recall), f(r.macroAvg.f1), String(r.macroAvg.support)]);
  rows.push([{ text: 'weighted avg', className: 'total' }, f(r.weightedAvg.precision), f(r.weightedAvg.recall), f(r.weightedAvg.f1), String(r.weightedAvg.support)]);
  const t = table(['class', 'precision', 'recall', 'f1-score', 'support'], rows, { id: 'classification-report', numeric: [1, 2, 3, 4] });
  const summary = `accuracy ${f(r.accuracy)}, macro F1 ${f(r.macroAvg.f1)} over ${r.classes.length} classes`;
  // a long report (pets: 37 classes) starts folded so the page stays readable
  return `<details${r.classes.length <= 15 ? ' open' : ''}><summary>${esc(summary)}</summary><div class="scroll">${t}</div></details>`;
}

async function interpretationParts(learn: Learner, options: ReportOptions): Promise<Part[]> {
  const ids = [['confusion', 'Confusion matrix'], ['most-confused', 'Most confused'], ['class-report', 'Classification report'], ['top-losses', 'Top losses']] as const;
  const all = (body: string): Part[] => ids.map(([id, title]) => ({ id, title, body }));
  let interp = options.interpretation;
  if (!interp) {
    if (learn.dls.inferenceOnly || learn.dls.valid.n === 0) return all(missing('There is no validation set, so there is nothing to interpret (split off validation items, e.g. RandomSplitter, to get these sections).'));
    try {
      interp = await ClassificationInterpretation.fromLearner(learn);
    } catch (e) {
      return all(missing(`The validation set could not be interpreted: ${e instanceof Error ? e.message : String(e)}`));
    }
  }
  const it = interp;
  const cm = await safely('confusion matrix', async () => figure(await it.plotConfusionMatrix({ title: '' }), 'confusion matrix of the validation set', `Rows: actual class; columns: predicted class (${it.targs.length} validation items).`));
  const confused = await safely('most-confused table', () => {
    const pairs = it.mostConfused(1);
    if (pairs.length === 0) return '<p>No validation item was misclassified.</p>';
    const shown = pairs.slice(0, 15);
    const more = pairs.length > shown.length ? `<p class="missing">${pairs.length - shown.length} more pairs not shown.</p>` : '';
    return table(['actual', 'predicted', 'count'], shown.map(([a, p, n]) => [a, p, String(n)]), { id: 'most-confused-pairs', numeric: [2] }) + more;
  });
  const report = await safely('classification report', () => reportTable(it));
  const k = Math.min(options.topLosses ?? 9, it.losses.length);
  const top = k === 0
    ? missing('Top losses were not asked for (topLosses: 0).')
    : await safely('top-losses grid', async () => figure(await it.plotTopLosses(k, { ncols: 3, cellSize: 160 }), `the ${k} validation items with the largest losses`, 'Each titled predicted/actual, then loss / probability of the prediction.'));
  return [
    { id: 'confusion', title: 'Confusion matrix', body: cm },
    { id: 'most-confused', title: 'Most confused', body: confused },
    { id: 'class-report', title: 'Classification report', body: report },
    { id: 'top-losses', title: 'Top losses', body: top },
  ];
}

function exportPart(options: ReportOptions): Part {
  const id = 'export';
  const title = 'Exported model';
  if (!options.exportPath) return { id, title, body: missing('The learner was not exported in this run (learn.export(file) writes one file for inference).') };
  const file = resolve(options.exportPath);
  const size = existsSync(file) ? `${(statSync(file).size / 2 ** 20).toFixed(1)} MiB` : 'not written (yet)';
  return {
    id, title,
    body: `<p><code>${esc(file)}</code> (${esc(size)})</p><p>Load it with <code>await loadLearner(${esc(JSON.stringify(file))})</code>, then <code>learn.predict(image)</code>.</p>`,
  };
}

/** The parts as sections; the interpretation's come in pairs side by side where the page is wide enough. */
function layout(parts: readonly Part[], classes: number): string {
  // a matrix of many classes needs the page's whole width to stay legible
  const pairs = classes <= 12 ? [['confusion', 'most-confused'], ['class-report', 'top-losses']] : [['class-report', 'top-losses']];
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const next = parts[i + 1];
    if (next && pairs.some(([a, b]) => a === p.id && b === next.id)) {
      out.push(`<div class="row">${section(p.id, p.title, p.body)}${section(next.id, next.title, next.body)}</div>`);
      i++;
    } else {
      out.push(section(p.id, p.title, p.body));
    }
  }
  return out.join('\n');
}

function classCount(learn: Learner, options: ReportOptions): number {
  if (options.interpretation) return options.interpretation.vocab.length;
  try {
    return learn.dls.c;
  } catch {
    return 0; // no vocab: the interpretation sections only say why
  }
}

/** The whole page as a string. */
async function renderPage(learn: Learner, options: ReportOptions): Promise<string> {
  const title = options.title ?? 'Training report';
  const history = learn.recorder.history;
  const parts: Part[] = [
    settingsPart(learn, options),
    epochsPart(learn),
    await curvesPart(learn),
    await lrFindPart(learn, options),
    await batchPart(learn),
    ...(await interpretationParts(learn, options)),
    exportPart(options),
  ];
  const command = Object.entries(options.settings ?? {}).find(([k]) => k.toLowerCase() === 'command')?.[1];
  const notes = options.notes?.length ? `<div class="notes"><ul>${options.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul></div>` : '';
  const sub = [new Date().toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }), resolve(learn.dls.path)];
  const nav = `<nav>${parts.map((p) => `<a href="#${esc(p.id)}">${esc(p.title)}</a>`).join('')}</nav>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="fastai-ts">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header>
<h1>${esc(title)}</h1>
<p class="sub">${sub.map(esc).join(' &middot; ')}</p>
${command === undefined ? '' : `<p><code>${esc(command)}</code></p>`}
${resultLine(history)}
${notes}
${nav}
</header>
${layout(parts, classCount(learn, options))}
<footer>Made by fastai-ts. Self-contained: every image is inlined; the page loads nothing else.</footer>
</main>
</body>
</html>
`;
}

/**
 * Writes one self-contained HTML page about `learn`'s run to `file` (folders created; written
 * to a temporary file first, then renamed, so a reader never sees half a page) and returns its
 * absolute path. The page shows: the settings (derived from the Learner and this machine,
 * merged with `options.settings`), the epoch table of every fit (`<table id="epochs">`, one row
 * per epoch), the loss and lr/momentum curves over the run, the learning-rate finder's curve
 * and suggestions, a batch of training images, the confusion matrix, the most-confused pairs,
 * the classification report, the top losses, the export path and `options.notes`. A part that
 * cannot be made (no validation set, inputs that are not images) says why instead. In a
 * distributed run only the main process (`learn.isMainProcess`) writes it; the others return
 * the path without writing.
 * @example
 * await learn.lrFind();
 * await learn.fineTune(2);
 * const file = await writeReport(learn, 'report.html', { exportPath: learn.export('model.safetensors') });
 */
export async function writeReport(learn: Learner, file: string, options: ReportOptions = {}): Promise<string> {
  checkOptions(file, options);
  // One writer in a distributed run; the page needs no collective, so the others just skip it.
  if (!learn.isMainProcess) return resolve(file);
  const html = await renderPage(learn, options);
  const out = resolve(file);
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, html);
    renameSync(tmp, out);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return out;
}
