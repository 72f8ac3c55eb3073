/**
 * The `fastai-ts` commands as a user runs them (a child process each): one-line errors for bad
 * input, then train -> predict -> interpret -> lr-find -> summary -> show-batch on the pets sample
 * with MobileNet 0.25 at small sizes, and Ctrl-C during training.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { haveShared, ROOT, sharedPath } from '../helpers.js';

const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const PETS = sharedPath('data', 'pets');
const MODELS = sharedPath('models');
const HAVE = existsSync(PETS) && existsSync(join(MODELS, 'mobilenet_v1_0.25_224.safetensors'));
// A pool size set explicitly keeps the command from starting itself again (thread-pool.ts), so
// signals reach the process that trains.
const ENV = { ...process.env, UV_THREADPOOL_SIZE: '4', FASTAI_TS_QUIET: '1' };
const LABEL = ['--label-re', '^(.+)_\\d+\\.jpg$'];
const SMALL = ['--arch', 'mobilenet_v1_0.25', '--weights', MODELS, '--item-size', '64', '--size', '48', '--bs', '32'];

function cli(args: string[], cwd = ROOT): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: ENV, cwd, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function isPng(file: string): Promise<boolean> {
  if (!existsSync(file)) return false;
  const meta = await sharp(readFileSync(file)).metadata();
  return meta.format === 'png' && (meta.width ?? 0) > 0;
}

describe('fastai-ts: usage and input errors', () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'fastai-ts-cli-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('lists every command in --help, and a usage error exits 2 with a hint', () => {
    const help = cli(['--help']);
    assert.equal(help.status, 0);
    for (const c of ['train', 'lr-find', 'summary', 'show-batch', 'interpret', 'predict', 'info']) assert.match(help.stdout, new RegExp(`\\n  ${c} `), c);
    const typo = cli(['trian']);
    assert.equal(typo.status, 2);
    assert.match(typo.stderr, /unknown command 'trian'[\s\S]*Did you mean train\?/);
    const bad = cli(['train', tmp, '--label-parent', '--bs', '0']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /'--bs <n>' argument '0' is invalid\. '0' is not a whole number >= 1/);
    const lr = cli(['train', tmp, '--label-parent', '--lr', 'fast']);
    assert.equal(lr.status, 2);
    assert.match(lr.stderr, /'fast' is not a learning rate .* or 'find'/);
  });

  it('says in one line what to do about a missing folder, an empty one, a missing labelling, a bad regex and an unknown arch', (t) => {
    const oneLine = (r: ReturnType<typeof cli>, re: RegExp) => {
      assert.equal(r.status, 1, r.stderr);
      const lines = r.stderr.trim().split('\n');
      assert.match(lines[0]!, re);
      assert.ok(lines.length <= 2 && !/\n\s+at /.test(r.stderr), `no stack without --verbose:\n${r.stderr}`);
    };
    oneLine(cli(['train', join(tmp, 'nope'), '--label-parent']), /^fastai-ts: the image folder .*nope does not exist; check the path$/);
    oneLine(cli(['train', tmp, '--label-parent']), /^fastai-ts: getImageFiles: no image files in '.*' \(searched recursively for \.jpg.*\)\. Check the path/);
    oneLine(cli(['summary', tmp]), /^fastai-ts: say how to label the images: --label-re .*--label-parent .*--csv/);
    oneLine(cli(['train', tmp, '--label-parent', '--arch', 'resnet99']), /^fastai-ts: unknown architecture 'resnet99'; known: resnet18, resnet34, resnet50, mobilenet_v1_0\.25/);
    oneLine(cli(['predict', join(tmp, 'model.safetensors'), 'x.jpg']), /^fastai-ts: the model file .*model\.safetensors does not exist/);
    if (!haveShared(t, ['data', 'pets'])) return;
    oneLine(cli(['summary', PETS, '--label-re', '^(\\d+)\\.png$']), /^fastai-ts: --label-re .* matches none of the 370 file names \(e\.g\. '.*\.jpg'\); fix the pattern/);
    oneLine(cli(['summary', PETS, '--label-re', '^([a-z]+)_\\d+\\.jpg$']), /^fastai-ts: --label-re .* does not match \d+ of the 370 file names \(e\.g\. '[A-Z].*'\)/);
    oneLine(cli(['summary', PETS, '--csv', 'labels.csv']), /^fastai-ts: the CSV file .*labels\.csv does not exist/);
  });

  it('names the weights file to pass when the download is unreachable, and --verbose adds the stack', (t) => {
    if (!haveShared(t, ['data', 'pets'])) return;
    const args = ['train', PETS, ...LABEL, '--arch', 'resnet18', '--weights', 'http://127.0.0.1:1/resnet18.safetensors', '--item-size', '32', '--size', '32'];
    const r = cli(args);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^fastai-ts: resnet18: the weights are not in the cache and could not download http:\/\/127\.0\.0\.1:1\/resnet18\.safetensors.*pass --weights '\/path\/to\/resnet18\.tv_in1k\.safetensors'/m);
    const v = cli([...args, '--verbose']);
    assert.match(v.stderr, /\n\s+at /, 'the stack with --verbose');
  });

  it('reads labels from a CSV (columns by header name) and splits by folder', (t) => {
    if (!haveShared(t, ['data', 'pets'])) return;
    const rows = ['Abyssinian', 'beagle'].flatMap((b) => readdirSync(PETS).filter((f) => f.startsWith(`${b}_`)).slice(0, 4));
    writeFileSync(join(tmp, 'labels.csv'), `file,breed\n${rows.map((f) => `${f},${f.split('_')[0]}`).join('\n')}\n`);
    const r = cli(['summary', PETS, '--csv', join(tmp, 'labels.csv'), '--fn-col', 'file', '--label-col', 'breed', '--valid-pct', '0.25', '--item-size', '32', '--size', '32']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Abyssinian|beagle/);
    for (const [split, names] of [['train', ['a_1.png', 'b_1.png']], ['valid', ['a_2.png', 'b_2.png']]] as const) {
      for (const n of names) {
        mkdirSync(join(tmp, 'folders', split, n[0]!), { recursive: true });
        writeFileSync(join(tmp, 'folders', split, n[0]!, n), readFileSync(join(PETS, rows[0]!)));
      }
    }
    const f = cli(['summary', join(tmp, 'folders'), '--label-parent', '--valid-folder', 'valid', '--item-size', '32', '--size', '32']);
    assert.equal(f.status, 0, f.stderr);
    assert.match(f.stdout, /Found 4 items\n2 datasets of sizes 2,2\n/, 'train/ and valid/ split by folder');
  });
});

describe('fastai-ts: train, predict, interpret, lr-find, summary, show-batch on the pets sample', () => {
  let tmp: string;
  let model: string;
  let trainOut = '';
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'fastai-ts-cli-'));
    model = join(tmp, 'out', 'pets.safetensors');
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('train fine-tunes, prints the epoch table of both phases and exports', (t) => {
    if (!HAVE) return void t.skip('needs ../shared/data/pets and ../shared/models/mobilenet_v1_0.25_224.safetensors');
    const report = join(tmp, 'report.html');
    const r = cli(['train', PETS, ...LABEL, ...SMALL, '--epochs', '1', '--out', model, '--report', report]);
    assert.equal(r.status, 0, r.stderr);
    trainOut = r.stdout;
    assert.match(r.stdout, /370 images, 37 classes; 296 train \/ 74 valid \(random 20% for validation \(seed 42\)\)/);
    assert.equal(r.stdout.match(/^epoch\s+train_loss\s+valid_loss\s+error_rate\s+time$/gm)?.length, 2, 'one table per phase (frozen, unfrozen)');
    assert.equal(r.stdout.match(/^0\s+\d+\.\d{6}\s+\d+\.\d{6}\s+\d\.\d{6}\s+\d\d:\d\d$/gm)?.length, 2);
    assert.ok(existsSync(model), 'the export');
    const html = readFileSync(report, 'utf8');
    const rows = /<table id="epochs">[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1]?.match(/<tr/g)?.length;
    assert.equal(rows, 2, 'the report has both fits\' epochs');
    assert.ok(html.includes('--label-re &apos;^(.+)_\\d+\\.jpg$&apos;'), 'the command line, quoted as typed');
    assert.ok(html.includes(model), 'the export path');
  });

  it('predict prints a label per image, the top k, and one JSON array with --json', (t) => {
    if (!existsSync(model)) return void t.skip('needs the model the train test exports');
    const imgs = readdirSync(PETS).filter((f) => f.endsWith('.jpg')).slice(0, 3).map((f) => join(PETS, f));
    const text = cli(['predict', model, ...imgs, '--top-k', '3']);
    assert.equal(text.status, 0, text.stderr);
    const lines = text.stdout.trim().split('\n');
    assert.equal(lines.length, imgs.length);
    for (const [i, l] of lines.entries()) assert.match(l, new RegExp(`${imgs[i]!.split('/').pop()}: \\w+ \\(0\\.\\d{3}\\)   \\[(\\w+ 0\\.\\d{3}(, )?){3}\\]$`));
    const json = cli(['predict', model, ...imgs, '--json', '--top-k', '2']);
    assert.equal(json.status, 0, json.stderr);
    const recs = JSON.parse(json.stdout) as { file: string; label: string; probability: number; topK: { label: string; probability: number }[] }[];
    assert.deepEqual(recs.map((r) => r.file), imgs);
    for (const r of recs) {
      assert.equal(r.topK.length, 2);
      assert.equal(r.topK[0]!.label, r.label);
      assert.equal(r.topK[0]!.probability, r.probability);
      assert.ok(r.topK[0]!.probability >= r.topK[1]!.probability && r.probability > 0 && r.probability <= 1);
    }
    // The text output's top-1 is the JSON's.
    recs.forEach((r, i) => assert.ok(lines[i]!.includes(`: ${r.label} (${r.probability.toFixed(3)})`)));
  });

  it('interpret rebuilds the same validation split: its error rate is the last epoch of training', async (t) => {
    if (!existsSync(model)) return void t.skip('needs the model the train test exports');
    const confusion = join(tmp, 'confusion.png');
    const top = join(tmp, 'top.png');
    const r = cli(['interpret', model, PETS, ...LABEL, '--out', confusion, '--top-losses', top, '--k', '4']);
    assert.equal(r.status, 0, r.stderr);
    const trained = Number(trainOut.trim().split('\n').filter((l) => /^0\s/.test(l)).pop()!.split(/\s+/)[3]);
    const m = /^74 validation images .*; error rate (\d\.\d{4}) \((\d+) wrong\)$/m.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.equal(Number(m[1]), Number(trained.toFixed(4)), 'the split the model was validated on');
    assert.match(r.stdout, /precision\s+recall\s+f1-score\s+support/);
    assert.match(r.stdout, /most confused \(actual -> predicted: count\):\n {2}\S+ -> \S+: \d+|no class pair is confused/);
    assert.ok(await isPng(confusion) && await isPng(top));
  });

  it('lr-find prints the four suggestions and writes the plot', async (t) => {
    if (!HAVE) return void t.skip('needs ../shared/data/pets and the MobileNet weights');
    const plot = join(tmp, 'lr.png');
    const r = cli(['lr-find', PETS, ...LABEL, ...SMALL, '--bs', '16', '--num-it', '20', '--out', plot]);
    assert.equal(r.status, 0, r.stderr);
    const m = /lrFind suggestions: minimum\/10 (\S+), steep (\S+), valley (\S+), slide (\S+); using valley/.exec(r.stdout);
    assert.ok(m, r.stdout);
    for (const v of m.slice(1)) assert.ok(Number(v) > 1e-8 && Number(v) < 10, v);
    assert.ok(await isPng(plot));
  });

  it('summary shows each step and show-batch draws the batch', async (t) => {
    if (!haveShared(t, ['data', 'pets'])) return;
    const s = cli(['summary', PETS, ...LABEL, '--item-size', '64', '--size', '48', '--bs', '2']);
    assert.equal(s.status, 0, s.stderr);
    assert.match(s.stdout, /RegexLabeller/);
    assert.match(s.stdout, /Resize/);
    const png = join(tmp, 'batch.png');
    const b = cli(['show-batch', PETS, ...LABEL, '--item-size', '64', '--size', '48', '--bs', '4', '--nrows', '2', '--ncols', '2', '--out', png]);
    assert.equal(b.status, 0, b.stderr);
    assert.ok(await isPng(png));
  });
});

describe('fastai-ts train: Ctrl-C', () => {
  it('the first stops after the current batch and still writes the export; a second exits at once', async (t) => {
    if (!HAVE) return void t.skip('needs ../shared/data/pets and the MobileNet weights');
    const tmp = mkdtempSync(join(tmpdir(), 'fastai-ts-cli-'));
    t.after(() => rmSync(tmp, { recursive: true, force: true }));
    const run = (out: string, twice: boolean) => new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const args = ['train', PETS, ...LABEL, ...SMALL, '--bs', '8', '--epochs', '50', '--out', out, '--report', out.replace('.safetensors', '.html')];
      const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: ENV });
      let stdout = '';
      let stderr = '';
      let sent = false;
      child.stdout.on('data', (d: Buffer) => {
        stdout += d;
        if (!sent && stdout.includes('training mobilenet_v1_0.25')) {
          sent = true;
          child.kill('SIGINT');
          if (twice) setTimeout(() => child.kill('SIGINT'), 200);
        }
      });
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.on('exit', (code) => done({ code, stdout, stderr }));
    });
    const once = await run(join(tmp, 'once.safetensors'), false);
    assert.equal(once.code, 130, once.stderr);
    assert.match(once.stderr, /stopping training after the current batch .*; Ctrl-C again to quit now/);
    assert.match(once.stdout, /stopped by Ctrl-C; the model as it was.*: exported to .*once\.safetensors/);
    assert.ok(existsSync(join(tmp, 'once.safetensors')));
    assert.match(readFileSync(join(tmp, 'once.html'), 'utf8'), /stopped by Ctrl-C after the current batch/, 'the report, with a note');
    assert.ok((once.stdout.match(/^\d+\s+\d/gm) ?? []).length < 50, 'far fewer epochs than asked');
    const twice = await run(join(tmp, 'twice.safetensors'), true);
    assert.equal(twice.code, 130);
    assert.match(twice.stderr, /Ctrl-C again: exiting now/);
  });
});
