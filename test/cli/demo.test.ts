import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Command } from 'commander';
import { define } from '../../src/cli/commands/demo.js';
import { runMnistDemo } from '../../src/cli/demo/run.js';
import { runPetsDemo } from '../../src/cli/demo/pets.js';
import { CliError } from '../../src/cli/errors.js';
import { loadLearner, readExportMeta } from '../../src/learner/index.js';
import { torch } from '../../src/torch/index.js';
import { tempDir } from '../data/fixtures.js';

/** A stream that keeps what is written to it, and calls `onLine` for each line. */
function collector(onLine: (line: string) => void = () => {}): Writable & { text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      const s = chunk.toString();
      chunks.push(s);
      for (const line of s.split('\n')) onLine(line);
      done();
    },
  });
  return Object.assign(stream, { text: () => chunks.join('') });
}

/** Runs the demo writing into a collector; returns its result and everything it printed. */
async function run(options: Parameters<typeof runMnistDemo>[0], onLine?: (line: string) => void) {
  const stream = collector(onLine);
  const result = await runMnistDemo({ ...options, stream });
  return { result, out: stream.text() };
}

/** A loopback port that was free a moment ago (a server opened on port 0, then closed). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const CHILD = fileURLToPath(new URL('./demo-child.ts', import.meta.url));

// A run of the demo small enough for a test: 12 digits of each class, one epoch, a short lrFind.
const SHORT = { perDigit: 12, epochs: 1, lrFindIters: 20, bs: 16 } as const;

describe('fastai-ts demo (mnist)', () => {
  let home: string;
  let saved: string | undefined;
  beforeEach((t) => {
    saved = process.env.FASTAI_TS_HOME;
    home = tempDir(t as { after: (fn: () => void) => void });
    process.env.FASTAI_TS_HOME = home;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.FASTAI_TS_HOME;
    else process.env.FASTAI_TS_HOME = saved;
  });

  it('runs end to end into the cache folder: summary, lrFind, the epoch table, export, predictions', async () => {
    const live = torch.memory().liveTensors;
    const { result, out } = await run(SHORT);
    // The models and the optimizer's state are freed; what stays is Normalize's cached per-channel
    // constants (mean and std, for the training and the loaded pipelines).
    assert.ok(torch.memory().liveTensors - live <= 4, `${torch.memory().liveTensors - live} tensors left`);
    // The files went under FASTAI_TS_HOME, and the summary says where.
    assert.equal(result.out, join(home, 'demo', 'mnist.safetensors'));
    assert.ok(existsSync(result.out), result.out);
    assert.ok(existsSync(join(home, 'data', 'mnist_demo', 'train')));
    assert.match(out, new RegExp(`model: +${result.out.replace(/[.\\/]/g, '\\$&')}`));
    // Each step, in order.
    const steps = [...out.matchAll(/^\[(\d)\/6\]/gm)].map((m) => Number(m[1]));
    assert.deepEqual(steps, [1, 2, 3, 4, 5, 6]);
    assert.match(out, /^ {2}Building one batch$/m, 'the DataBlock summary, indented');
    assert.match(out, /96 training \/ 24 validation images, 10 classes: 0 1 2 3 4 5 6 7 8 9/);
    assert.match(out, /suggestions: minimum\/10 \S+, steep \S+, valley \S+, slide \S+; using minimum\/10 \(the book's rule of thumb/);
    assert.match(out, /^epoch +train_loss +valid_loss +error_rate +time$/m, 'the epoch table');
    assert.match(out, /^0 +\d+\.\d{6} +\d+\.\d{6} +\d+\.\d{6} +\d\d:\d\d$/m);
    // The held-out digits, one per class, each printed with its prediction.
    assert.equal(result.predictions.length, 10);
    assert.deepEqual(result.predictions.map((p) => p.actual).sort(), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    for (const p of result.predictions) {
      assert.ok(!p.file.includes(`${join('mnist_demo', 'train')}`), 'held out, not a training file');
      assert.match(out, new RegExp(`${p.actual}_\\d+\\.png +predicted ${p.predicted} \\(p \\d\\.\\d{3}\\), actual ${p.actual}`));
    }
    assert.match(out, /Done in \d+ s: validation error rate \d+\.\d\d%, \d+\/10 held-out digits right\./);
    assert.equal(result.stopped, false);
    assert.ok(result.errorRate >= 0 && result.errorRate <= 1);
    // The export is a simple_cnn learner that predicts on its own.
    assert.equal(readExportMeta(result.out).model.arch, 'simple_cnn');
    const learn = await loadLearner(result.out);
    const again = await learn.predict(result.predictions[0]!.file);
    assert.equal(again.label, result.predictions[0]!.predicted);
    learn.model.dispose();
    // The report: one self-contained page with this run's epoch and the export's path.
    assert.equal(result.report, join(home, 'demo', 'mnist-report.html'));
    assert.match(out, new RegExp(`report: +${result.report!.replace(/[.\\/]/g, '\\$&')}`));
    const html = readFileSync(result.report!, 'utf8');
    const epochRows = /<table id="epochs"[^>]*>[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(html)![1]!.match(/<tr/g) ?? [];
    assert.equal(epochRows.length, 1, 'one epoch, one row');
    assert.ok(html.includes(result.out), 'the export path');
    assert.doesNotMatch(html, /src="(?!data:)/, 'images inlined');
  });

  it('stops after the current batch when interrupted, and still exports and predicts', async () => {
    const controller = new AbortController();
    const out = join(home, 'stopped.safetensors');
    // Ctrl-C as training starts.
    const { result, out: text } = await run({ ...SHORT, epochs: 3, out, report: false, signal: controller.signal }, (line) => {
      if (line.includes('learn.fitOneCycle(')) controller.abort();
    });
    assert.equal(result.stopped, true);
    assert.ok(existsSync(out));
    assert.equal(result.predictions.length, 10);
    assert.match(text, /stopped by Ctrl-C after the current batch; exporting the model as it is/);
    assert.match(text, /Stopped early in \d+ s/);
    assert.doesNotMatch(text, /^2 +\d/m, 'no third epoch');
  });

  it('Ctrl-C (SIGINT) stops after the current batch, still exports, and exits 130', async () => {
    const out = join(home, 'interrupted.safetensors');
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify({ ...SHORT, epochs: 20, out, report: false })], {
      env: { ...process.env, FASTAI_TS_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
      // The first epoch row: training is under way.
      if (!sent && /^0 +\d/m.test(stdout)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 130, stdout + stderr);
    assert.match(stderr, /stopping training after the current batch/);
    assert.match(stdout, /stopped by Ctrl-C after the current batch; exporting the model as it is/);
    assert.ok(existsSync(out), 'exported all the same');
    assert.doesNotMatch(stdout, /^19 +\d/m, 'not all 20 epochs');
    assert.match(stdout, /predicted \d \(p /);
  });

  it('--quiet prints only the results and where the files went', async () => {
    const { out } = await run({ ...SHORT, quiet: true, report: false });
    assert.doesNotMatch(out, /\[\d\/6\]|Building one batch|train_loss/);
    assert.match(out, /predicted \d \(p /);
    assert.match(out, /Done in \d+ s/);
  });
});

describe('the demo command', () => {
  // commander's own messages (a bad --epochs) are part of the error thrown; keep them off the test output.
  const program = () => define(new Command().exitOverride()).exitOverride().configureOutput({ writeErr: () => {} }).parent!;

  it('adds `demo [which]` with its options', () => {
    const cmd = program().commands.find((c) => c.name() === 'demo')!;
    assert.ok(cmd);
    const flags = cmd.options.map((o) => o.long);
    for (const f of ['--out', '--report', '--no-report', '--epochs', '--seed', '--url', '--quiet']) assert.ok(flags.includes(f), f);
  });

  it("uses the program's global --quiet when it has one, and --no-report turns the report off", async () => {
    const withGlobal = new Command().option('--quiet', 'global').exitOverride();
    const cmd = define(withGlobal).exitOverride().configureOutput({ writeErr: () => {} });
    assert.ok(!cmd.options.some((o) => o.long === '--quiet'), 'no second --quiet');
    // --url without pets fails after parsing, so the flags can be read without running a demo.
    await assert.rejects(withGlobal.parseAsync(['demo', '--quiet', '--no-report', '--epochs', '3', '--url', 'u'], { from: 'user' }), /--url is for the pets demo/);
    assert.equal(withGlobal.opts().quiet, true);
    assert.deepEqual(cmd.opts(), { report: false, epochs: 3, seed: 42, url: 'u' });
  });

  it('refuses an unknown demo, bad numbers and --url without pets, with what to do', async () => {
    await assert.rejects(program().parseAsync(['demo', 'cifar'], { from: 'user' }), (e: unknown) => e instanceof CliError && /unknown demo 'cifar'; known: mnist, pets/.test(e.message));
    await assert.rejects(program().parseAsync(['demo', '--url', 'http://x/y.tgz'], { from: 'user' }), /--url is for the pets demo/);
    await assert.rejects(program().parseAsync(['demo', '--epochs', '0'], { from: 'user' }), /'0' is not a whole number >= 1/);
  });

  it('demo pets offline fails at once with one line: connect, run the offline demo, or use local data', async (t) => {
    const saved = process.env.FASTAI_TS_HOME;
    process.env.FASTAI_TS_HOME = tempDir(t); // nothing cached
    try {
      // A loopback port nothing listens on refuses the connection, as a machine without a network does.
      const port = await freePort();
      const url = `http://127.0.0.1:${port}/oxford-iiit-pet.tgz`;
      const check = (e: unknown) => {
        assert.ok(e instanceof CliError, String(e));
        assert.doesNotMatch(e.message, /\n/);
        assert.ok(e.message.startsWith(`the pets demo needs the network to download the Oxford-IIIT Pet dataset (could not download ${url}: `), e.message);
        assert.match(e.message, /ECONNREFUSED/);
        assert.match(e.message, /Connect to the network and run it again; or run `fastai-ts demo` for the offline demo .*; or run the chapter on local data with `npm run pets -- --data <folder> --weights <folder>`$/);
        return true;
      };
      await assert.rejects(runPetsDemo({ url, quiet: true, stream: collector() }), check);
      await assert.rejects(program().parseAsync(['demo', 'pets', '--url', url, '--quiet'], { from: 'user' }), check);
    } finally {
      if (saved === undefined) delete process.env.FASTAI_TS_HOME;
      else process.env.FASTAI_TS_HOME = saved;
    }
  });
});
