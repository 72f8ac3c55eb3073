import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { nn, torch } from '../../src/torch/index.js';
import {
  type ArchSpec, createVisionModel, defaultSplit, imagenetStats, loadPretrained, mobilenetV1, resnet18, resnet34, resolveWeightsSync,
} from '../../src/vision/index.js';
import { haveShared, sharedPath } from '../helpers.js';

let dir: string;
let home: string;
let server: Server;
let base: string;
let requests = 0;
let file: Buffer;
let sha: string;
let expected: Record<string, Float32Array>;

const tinyModel = () => new nn.Sequential(new nn.Conv2d(3, 4, 3), new nn.BatchNorm2d(4), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(4, 2));

/** A made-up architecture whose weights the local server publishes. */
function tinySpec(weights: Partial<NonNullable<ArchSpec['weights']>> = {}): ArchSpec {
  return {
    name: 'tiny', description: 'test net', create: tinyModel, cut: -3, nf: 4, splitter: defaultSplit, stats: imagenetStats,
    weights: { fileName: 'tiny.safetensors', url: `${base}/tiny.safetensors`, sha256: sha, origin: 'the test server', ...weights },
  };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fastai-ts-weights-'));
  torch.manualSeed(3);
  const src = tinyModel();
  expected = Object.fromEntries(Object.entries(src.stateDict()).map(([k, v]) => [k, v.float().toTypedArray() as Float32Array]));
  torch.saveSafetensors(join(dir, 'tiny.safetensors'), src.stateDict());
  src.dispose();
  file = readFileSync(join(dir, 'tiny.safetensors'));
  sha = createHash('sha256').update(file).digest('hex');
  server = createServer((req, res) => {
    requests++;
    const path = new URL(req.url ?? '/', base).pathname;
    if (path === '/tiny.safetensors' || path === '/other/model.safetensors') {
      res.writeHead(200, { 'content-length': file.length });
      res.end(file);
    } else if (path === '/broken.safetensors') {
      // Announce the whole file, send half of it, then drop the connection.
      res.writeHead(200, { 'content-length': file.length });
      res.write(file.subarray(0, file.length >> 1), () => res.socket?.destroy());
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
  delete process.env.FASTAI_TS_HOME;
});

beforeEach(() => {
  home = mkdtempSync(join(dir, 'home-'));
  process.env.FASTAI_TS_HOME = home;
});

function assertLoaded(model: nn.Module): void {
  for (const [k, v] of Object.entries(model.stateDict())) {
    assert.deepEqual(torch.tidy(() => v.float().toTypedArray()), expected[k], k);
  }
}

test('loadPretrained downloads into $FASTAI_TS_HOME/models once, verifies and loads strictly', async () => {
  const model = await loadPretrained(tinySpec(), { quiet: true });
  assertLoaded(model);
  model.dispose();
  const cached = join(home, 'models', 'tiny.safetensors');
  assert.deepEqual(readFileSync(cached), file);
  const seen = requests;
  const again = await loadPretrained(tinySpec(), { quiet: true });
  assert.equal(requests, seen, 'the second load uses the cache');
  assertLoaded(again);
  again.dispose();
  assert.equal(resolveWeightsSync('tiny', tinySpec().weights), cached, 'the synchronous resolver finds the cached file');
});

test('an interrupted download fails and leaves nothing in the cache', async () => {
  await assert.rejects(loadPretrained(tinySpec({ url: `${base}/broken.safetensors` }), { quiet: true }), (e: Error) => {
    assert.match(e.message, /broke off|received \d+ of \d+ bytes/);
    assert.match(e.message, /broken\.safetensors/);
    return true;
  });
  assert.deepEqual(readdirSync(join(home, 'models')), [], 'no partial file is kept');
});

test('a wrong checksum fails, names both sums, and leaves nothing in the cache', async () => {
  const wrong = '0'.repeat(64);
  await assert.rejects(loadPretrained(tinySpec({ sha256: wrong }), { quiet: true }), (e: Error) => {
    assert.match(e.message, /checksum mismatch/);
    assert.ok(e.message.includes(wrong) && e.message.includes(sha));
    return true;
  });
  assert.deepEqual(readdirSync(join(home, 'models')), []);
});

test('offline with no cache, the error names the missing file, the URL and how to pass a local file', async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const url = `http://127.0.0.1:${port}/tiny.safetensors`;
  await assert.rejects(loadPretrained(tinySpec({ url }), { quiet: true }), (e: Error) => {
    assert.ok(e.message.includes(join(home, 'models', 'tiny.safetensors')), e.message);
    assert.ok(e.message.includes(url), e.message);
    assert.match(e.message, /pass weights: '\/path\/to\/tiny\.safetensors'/);
    return true;
  });
});

test('a URL given as weights is cached under its own name and checked against a given sha256', async () => {
  const url = `${base}/other/model.safetensors`;
  const model = await loadPretrained(tinySpec(), { weights: url, sha256: sha, quiet: true });
  assertLoaded(model);
  model.dispose();
  const files = readdirSync(join(home, 'models'));
  assert.equal(files.length, 1);
  assert.match(files[0]!, /^tiny-[0-9a-f]{10}-model\.safetensors$/);
  await assert.rejects(loadPretrained(tinySpec(), { weights: `${base}/other/model.safetensors?x`, sha256: 'f'.repeat(64), quiet: true }), /checksum mismatch/);
});

test('local weights: a file or a folder; a file with the registered name is checksum-verified', async () => {
  const local = join(dir, 'tiny.safetensors');
  for (const weights of [local, dir]) {
    const model = await loadPretrained(tinySpec(), { weights });
    assertLoaded(model);
    model.dispose();
  }
  const corrupt = mkdtempSync(join(dir, 'corrupt-'));
  writeFileSync(join(corrupt, 'tiny.safetensors'), Buffer.concat([file.subarray(0, -4), Buffer.alloc(4)]));
  await assert.rejects(loadPretrained(tinySpec(), { weights: corrupt }), /has sha256 [0-9a-f]{64}, expected [0-9a-f]{64}.*sha256: null/);
  await loadPretrained(tinySpec(), { weights: join(corrupt, 'tiny.safetensors'), sha256: null }).then((m) => m.dispose());
  await assert.rejects(loadPretrained(tinySpec(), { weights: join(dir, 'nope.safetensors') }), /nope\.safetensors does not exist; pass weights/);
});

test('sync constructors need local weights: the error says how to download or pass them', () => {
  assert.throws(() => resnet34({ pretrained: true }), (e: Error) => {
    assert.ok(e.message.includes(join(home, 'models', 'resnet34.tv_in1k.safetensors')));
    assert.ok(e.message.includes('https://huggingface.co/timm/resnet34.tv_in1k/resolve/main/model.safetensors'));
    assert.match(e.message, /await loadPretrained\('resnet34'\)/);
    assert.match(e.message, /pass weights: /);
    return true;
  });
  assert.throws(() => resnet34({ pretrained: true, numClasses: 37 }), /1000 ImageNet classes.*createVisionModel\('resnet34', 37\)/);
  assert.throws(() => mobilenetV1({ alpha: 0.25, pretrained: true }), /not downloadable and not in the cache; pass weights: .*mobilenet_v1_0\.25_224\.safetensors/);
  assert.throws(() => mobilenetV1({ alpha: 0.5, pretrained: true }), /no pretrained weights are registered/);
});

test('MobileNet weights from ../shared: by folder, through loadPretrained, from the cache, and corrupt copies refused', async (t) => {
  if (!haveShared(t, ['models', 'mobilenet_v1_0.25_224.safetensors'])) return;
  const pre = await loadPretrained('mobilenet_v1_0.25', { weights: sharedPath('models') });
  const ref = torch.loadSafetensors(sharedPath('models', 'mobilenet_v1_0.25_224.safetensors'));
  assert.equal(torch.tidy(() => pre.stateDict()['conv_pw_13.weight']!.eq(ref['conv_pw_13.weight']!).all().item()), 1);
  torch.dispose(ref);
  pre.dispose();
  copyFileSync(sharedPath('models', 'mobilenet_v1_0.25_224.safetensors'), join(dir, 'mobilenet_v1_0.25_224.safetensors'));
  writeFileSync(join(dir, 'mobilenet_v1_0.25_224.safetensors'), Buffer.from('x'), { flag: 'r+' });
  assert.throws(() => mobilenetV1({ alpha: 0.25, weights: dir }), /has sha256 .* expected 9e5db7c4/);
  // Placed in the cache by hand, the constructor finds it.
  mkdirSync(join(home, 'models'));
  copyFileSync(sharedPath('models', 'mobilenet_v1_0.25_224.safetensors'), join(home, 'models', 'mobilenet_v1_0.25_224.safetensors'));
  mobilenetV1({ alpha: 0.25, pretrained: true }).dispose();
});

test('createVisionModel loads a local checkpoint into the body', async (t) => {
  if (!haveShared(t, ['fixtures', 'resnet18_seed0.safetensors'])) return;
  const weights = sharedPath('fixtures', 'resnet18_seed0.safetensors');
  const model = await createVisionModel('resnet18', 2, { weights });
  const ref = resnet18({ weights });
  assert.equal(torch.tidy(() => model.body.at(4).stateDict()['0.conv1.weight']!.eq(ref.layer1.stateDict()['0.conv1.weight']!).all().item()), 1);
  ref.dispose();
  model.dispose();
});
