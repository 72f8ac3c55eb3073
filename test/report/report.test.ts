// The HTML training report: a tiny vision learner on a synthetic image folder (lrFind, then
// fineTune(1) with one frozen epoch), its page checked in Node (sections, one row per epoch,
// escaping, nothing external) and in a real headless browser (Debian's chromium through
// playwright-core: every image decodes, the epoch table's rows, a screenshot). Then the parts
// that cannot be made (no images, no validation set, no lrFind) saying why.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import {
  CategoryBlock, ClassificationInterpretation, DataBlock, errorRate, getImageFiles, ImageBlock, Learner, RandomSplitter, RegexLabeller, Resize,
  setSeed, usingAttr, visionLearner, writeReport,
} from '../../src/index.js';
import { writeClassImages } from '../data/fixtures.js';
import { pointDls, TinyNet } from '../learner/synthetic.js';

const CHROMIUM = '/usr/bin/chromium';

/** The body of `<section id="id">`, which must be there. */
function sectionOf(html: string, id: string): string {
  const m = new RegExp(`<section id="${id}">([\\s\\S]*?)</section>`).exec(html);
  assert.ok(m, `section #${id} is on the page`);
  return m[1]!;
}

/** The rows of the tbody of `<table id="id">`. */
function bodyRows(html: string, id: string): string[] {
  const m = new RegExp(`<table id="${id}"[^>]*>[\\s\\S]*?<tbody>([\\s\\S]*?)</tbody>`).exec(html);
  assert.ok(m, `table #${id} is on the page`);
  return m[1]!.match(/<tr>[\s\S]*?<\/tr>/g) ?? [];
}

const cells = (row: string): string[] => [...row.matchAll(/<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/g)].map((m) => m[1]!);

/** A temporary folder, removed when the test (or suite) that made it ends. */
function tmp(t: { after(fn: () => void): void }, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('writeReport on a tiny vision learner', () => {
  let dir: string;
  let file: string;
  let html: string;
  let learn: Learner;
  let valley: number;
  let exported: string;

  after(() => rmSync(dir, { recursive: true, force: true }));
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fastai-ts-report-'));
    await writeClassImages(join(dir, 'data'), ['red', 'green', 'blue'], 16);
    setSeed(0);
    const block = new DataBlock({
      blocks: [ImageBlock(), CategoryBlock()],
      getItems: getImageFiles,
      splitter: RandomSplitter({ seed: 42 }),
      getY: usingAttr(RegexLabeller(/^(.+)_\d+\.jpg$/), 'name'),
      itemTfms: Resize(32),
    });
    const dls = await block.dataloaders(join(dir, 'data'), { bs: 8, seed: 1 });
    learn = await visionLearner(dls, 'mobilenet_v1_0.25', { pretrained: false, metrics: [errorRate], quiet: true });
    valley = (await learn.lrFind({ numIt: 16 })).valley;
    await learn.fineTune(1, 1e-2, { freezeEpochs: 1 });
    exported = learn.export(join(dir, 'model.safetensors'));
    // through the patched method, into a folder that does not exist yet
    file = await learn.report(join(dir, 'out', 'nested', 'report.html'), {
      title: 'Tiny <colours> & "run"',
      settings: { command: 'fastai-ts train data --arch mobilenet_v1_0.25 --epochs 1', split: 'valid-pct 0.2, seed 42', 'batch size': 8, bf16: false },
      exportPath: exported,
      notes: ['stopped by <Ctrl-C>'],
    });
    html = readFileSync(file, 'utf8');
  });

  it('returns the absolute path of one page; the temporary file is gone', () => {
    assert.equal(file, join(dir, 'out', 'nested', 'report.html'));
    assert.ok(html.startsWith('<!DOCTYPE html>'));
    assert.deepEqual(readdirSync(join(dir, 'out', 'nested')), ['report.html']);
  });

  it('has every section, each made (nothing says it could not be)', () => {
    for (const id of ['settings', 'training', 'curves', 'lr-find', 'batch', 'confusion', 'most-confused', 'class-report', 'top-losses', 'export']) {
      const body = sectionOf(html, id);
      assert.doesNotMatch(body, /could not be made/, `#${id}`);
      assert.ok(html.includes(`<a href="#${id}">`), `the contents link to #${id}`);
    }
    assert.match(sectionOf(html, 'lr-find'), new RegExp(`valley</td><td class="num">${valley.toExponential(2)}<`), 'the suggestion as lrFind returned it');
    // one image per chart or grid: loss, lr, mom, lr finder, batch, confusion matrix, top losses
    const images = ['curves', 'lr-find', 'batch', 'confusion', 'top-losses'].map((id) => (sectionOf(html, id).match(/<img /g) ?? []).length);
    assert.deepEqual(images, [3, 1, 1, 1, 1]);
    const exportHtml = sectionOf(html, 'export');
    assert.ok(exportHtml.includes(`<code>${exported}</code> (`), 'the export path');
    assert.match(exportHtml, /\(\d+\.\d MiB\)/, 'and its size');
    assert.ok(exportHtml.includes(`loadLearner(&quot;${exported}&quot;)`), 'how to load it');
  });

  it('the epoch table has one row per epoch over both fits, the Learner\'s columns and a fit column', () => {
    const history = learn.recorder.history;
    assert.equal(history.length, 2);
    const rows = bodyRows(html, 'epochs');
    assert.equal(rows.length, 2);
    const head = /<table id="epochs"[^>]*><thead><tr>([\s\S]*?)<\/tr>/.exec(html)![1]!;
    assert.deepEqual(cells(head), ['fit', 'epoch', 'train_loss', 'valid_loss', 'error_rate', 'time']);
    const [frozen, unfrozen] = rows.map(cells) as [string[], string[]];
    assert.equal(frozen[0], '1 (frozen)');
    assert.equal(unfrozen[0], '2');
    assert.equal(frozen[2], history[0]!.values[0]![0]!.toFixed(6));
    assert.equal(unfrozen[3], history[1]!.values[0]![1]!.toFixed(6));
    assert.equal(unfrozen[4], history[1]!.values[0]![2]!.toFixed(6));
    assert.match(html, /After 2 epochs \(2 fits,/);
  });

  it('shows the derived settings, with the given ones replacing or extending them', () => {
    const s = sectionOf(html, 'settings');
    const row = (k: string) => new RegExp(`<tr><th>${k}</th><td>([^<]*)</td></tr>`).exec(s)?.[1];
    assert.equal(row('architecture'), 'mobilenet_v1_0.25');
    assert.equal(row('classes'), '3: blue, green, red');
    assert.equal(row('train items'), String(learn.dls.train.n));
    assert.equal(row('valid items'), String(learn.dls.valid.n));
    assert.equal(row('batch size'), '8', 'given, replacing the derived value in place');
    assert.equal(row('split'), 'valid-pct 0.2, seed 42', 'a new key');
    assert.equal(row('bf16'), 'false');
    assert.equal(row('loss'), 'CrossEntropyLossFlat');
    assert.equal(row('optimizer'), 'Adam');
    assert.equal(row('precision'), 'float32');
    assert.match(row('item transforms')!, /^Resize \{size: 32x32/);
    assert.ok(row('CPU'));
    assert.ok(row('libtorch'));
    assert.match(row('fastai-ts')!, /^\d+\.\d+\.\d+/);
    assert.match(s, /<th colspan="2">Run<\/th><\/tr><tr><th>split<\/th>/, 'new keys first, under Run');
    // the command is shown once, as code under the title
    assert.equal(html.split('fastai-ts train data --arch mobilenet_v1_0.25 --epochs 1').length, 2);
    assert.match(html, /<p><code>fastai-ts train data --arch mobilenet_v1_0.25 --epochs 1<\/code><\/p>/);
  });

  it('escapes every text it was given', () => {
    assert.match(html, /<title>Tiny &lt;colours&gt; &amp; &quot;run&quot;<\/title>/);
    assert.match(html, /<li>stopped by &lt;Ctrl-C&gt;<\/li>/);
    assert.doesNotMatch(html, /<colours>|<Ctrl-C>/);
  });

  it('is self-contained: no http(s) or file references, every image an inlined PNG of the size it declares', async () => {
    assert.doesNotMatch(html, /\b(src|href)\s*=\s*["']?(https?:|\/\/|file:)/i);
    assert.doesNotMatch(html, /<link\b|<script\b|@import|url\(/i);
    const imgs = [...html.matchAll(/<img src="data:image\/png;base64,([^"]+)" width="(\d+)" height="(\d+)"/g)];
    assert.equal(imgs.length, (html.match(/<img /g) ?? []).length, 'every <img> is a data: PNG');
    for (const [, b64, w, h] of imgs) {
      const meta = await sharp(Buffer.from(b64!, 'base64')).metadata();
      assert.equal(meta.format, 'png');
      assert.deepEqual([meta.width, meta.height], [Number(w), Number(h)]);
      assert.ok(meta.width! <= 1200 && meta.height! <= 1200, `a modest image: ${meta.width}x${meta.height}`);
    }
  });

  it('reuses a given interpretation and lrFind result, and writes over the old page', async (t) => {
    const interp = await ClassificationInterpretation.fromLearner(learn);
    const made = t.mock.method(ClassificationInterpretation, 'fromLearner');
    const curve = { lrs: [1e-5, 1e-4, 1e-3, 1e-2], losses: [2, 1.5, 1, 3], points: { mine: { lr: 1e-3, loss: 1 } }, suggestions: { mine: 4.2e-4 } };
    const again = await writeReport(learn, file, { interpretation: interp, lrFind: curve, topLosses: 0 });
    assert.equal(again, file);
    assert.equal(made.mock.callCount(), 0, 'no second inference');
    const page = readFileSync(file, 'utf8');
    assert.match(sectionOf(page, 'lr-find'), /mine<\/td><td class="num">4\.20e-4</);
    assert.match(sectionOf(page, 'top-losses'), /topLosses: 0/);
    assert.match(sectionOf(page, 'export'), /not exported/);
    assert.equal(bodyRows(page, 'epochs').length, 2);
  });

  it('opens in headless chromium: every image loads, one #epochs row per epoch, nothing fetched, a screenshot', async (t) => {
    if (!existsSync(CHROMIUM)) {
      t.skip(`install Debian's chromium to run the report's browser test (apt-get install chromium; ${CHROMIUM} is missing)`);
      return;
    }
    const page0 = await writeReport(learn, join(dir, 'browser.html'), { exportPath: exported });
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const requests: string[] = [];
      const errors: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      page.on('pageerror', (e) => errors.push(e.message));
      const url = pathToFileURL(page0).href;
      await page.goto(url, { waitUntil: 'load' });
      const images = await page.$$eval('img', (els) => els.map((i) => ({ alt: i.alt, complete: i.complete, naturalWidth: i.naturalWidth, naturalHeight: i.naturalHeight })));
      assert.equal(images.length, 7);
      for (const img of images) assert.ok(img.complete && img.naturalWidth > 0 && img.naturalHeight > 0, `image '${img.alt}' loaded`);
      const epochs = learn.recorder.history.reduce((a, f) => a + f.values.length, 0);
      assert.equal(await page.$$eval('#epochs tbody tr', (rows) => rows.length), epochs);
      assert.deepEqual(requests.filter((r) => r !== url && !r.startsWith('data:')), [], 'nothing but the page itself is requested');
      assert.deepEqual(errors, []);
      // nothing is wider than the page (no horizontal scrolling at 1200 px)
      const overflow = await page.$eval('html', (el) => el.scrollWidth - el.clientWidth);
      assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px`);
      const shot = join(tmp(t, 'fastai-ts-report-shot-'), 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      assert.ok(statSync(shot).size > 0);
      const meta = await sharp(shot).metadata();
      assert.equal(meta.format, 'png');
      assert.equal(meta.width, 1200);
      assert.ok(meta.height! > 900, `the full page is taller than the window: ${meta.height}`);
    } finally {
      await browser.close();
    }
  });
});

describe('writeReport when parts cannot be made', () => {
  it('vectors without a validation set or lrFind: each part says why, and the page is still written', async (t) => {
    setSeed(0);
    const learn = new Learner(await pointDls({ n: 64, nValid: 0 }), new TinyNet(), { quiet: true });
    await learn.fit(1, 1e-2);
    const file = await writeReport(learn, join(tmp(t, 'fastai-ts-report-'), 'r.html'));
    const html = readFileSync(file, 'utf8');
    assert.equal(bodyRows(html, 'epochs').length, 1);
    assert.match(sectionOf(html, 'lr-find'), /lrFind was not run/);
    assert.match(sectionOf(html, 'batch'), /could not be made: showBatch: the input block VectorBlock cannot be shown/);
    for (const id of ['confusion', 'most-confused', 'class-report', 'top-losses']) assert.match(sectionOf(html, id), /no validation set/, `#${id}`);
    assert.match(sectionOf(html, 'curves'), /<img /);
    assert.match(sectionOf(html, 'settings'), /<th>architecture<\/th><td>TinyNet<\/td>/);
  });

  it('with a validation set, the tables and matrix are made though the inputs cannot be drawn', async (t) => {
    setSeed(0);
    const learn = new Learner(await pointDls(), new TinyNet(), { quiet: true });
    await learn.fit(1, 1e-2);
    const html = readFileSync(await writeReport(learn, join(tmp(t, 'fastai-ts-report-'), 'r.html')), 'utf8');
    assert.match(sectionOf(html, 'confusion'), /<img /);
    assert.equal(bodyRows(html, 'classification-report').length, 2 + 3, 'two classes, then accuracy and the averages');
    assert.match(sectionOf(html, 'top-losses'), /could not be made: /);
  });

  it('a Learner that never trained still gets a page', async (t) => {
    setSeed(0);
    const learn = new Learner(await pointDls(), new TinyNet(), { quiet: true });
    const html = readFileSync(await writeReport(learn, join(tmp(t, 'fastai-ts-report-'), 'r.html')), 'utf8');
    assert.equal(bodyRows(html, 'epochs').length, 0);
    assert.match(sectionOf(html, 'training'), /No epoch was trained/);
    assert.match(sectionOf(html, 'curves'), /No training batch was recorded/);
  });

  it('rejects bad arguments, saying what to pass', async () => {
    setSeed(0);
    const learn = new Learner(await pointDls(), new TinyNet(), { quiet: true });
    await assert.rejects(writeReport(learn, ''), /file must be a path such as 'report.html'/);
    await assert.rejects(writeReport(learn, 'r.html', { settings: { x: {} as unknown as string } }), /settings\['x'\] must be a string, number or boolean/);
    await assert.rejects(writeReport(learn, 'r.html', { topLosses: -1 }), /topLosses must be an integer >= 0/);
    await assert.rejects(writeReport(learn, 'r.html', { notes: 'a' as unknown as string[] }), /notes must be an array of strings/);
  });
});
