import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nn, type Tensor, torch } from '../../src/torch/index.js';
import { type DataLoader, type DataLoaders, getImageFiles, RegexLabeller, type TransformSpec } from '../../src/data/index.js';
import {
  augTransforms, createVisionModel, ImageDataLoaders, inceptionStats, loadWeightsFile, Normalize, Resize, type VisionModel,
} from '../../src/vision/index.js';
import { EXPORT_FORMAT, readExport, readExportMeta, writeExport } from '../../src/learner/export.js';
import { imageBytes, tempDir, writeClassImages } from '../data/fixtures.js';
import { haveShared, sharedPath } from '../helpers.js';

/** Every batch of a loader, concatenated along the batch dimension. */
async function allInputs(dl: DataLoader<Tensor[]>): Promise<Tensor> {
  const xs: Tensor[] = [];
  for await (const [x] of dl) xs.push(x!);
  const out = torch.cat(xs, 0);
  torch.dispose(xs);
  return out;
}

const logitsOf = (model: nn.Module, x: Tensor) => torch.noGrad(() => model.eval().call(x));

/** Copies an export with its metadata edited (the tensors unchanged). */
function rewrite(src: string, dst: string, edit: (meta: Record<string, string>) => void): string {
  const sd = torch.loadSafetensors(src);
  const meta = { ...torch.safetensorsMetadata(src) };
  edit(meta);
  torch.saveSafetensors(dst, sd, meta);
  torch.dispose(sd);
  return dst;
}

describe('export / readExport', () => {
  let dir: string;
  let dls: DataLoaders;
  let model: VisionModel;
  let file: string;
  let items: (string | Buffer)[];
  const cleanup: (() => void)[] = [];

  before(async () => {
    dir = tempDir({ after: (fn: () => void) => cleanup.push(fn) });
    await writeClassImages(join(dir, 'data'), ['cat', 'dog', 'fox'], 4, 'train');
    const valid = await writeClassImages(join(dir, 'data'), ['cat', 'dog', 'fox'], 2, 'valid');
    dls = await ImageDataLoaders.fromFolder(join(dir, 'data'), {
      itemTfms: Resize(40, { method: 'pad', padMode: 'zeros' }),
      batchTfms: [...augTransforms({ size: 32, minScale: 0.75 }), Normalize.fromStats(...inceptionStats)],
      bs: 4,
      device: 'cpu',
    });
    torch.manualSeed(0);
    model = await createVisionModel('mobilenet_v1_0.25', dls.c, { pretrained: false, linFtrs: [32], ps: 0.3, bnFinal: true });
    // Move the BatchNorm running statistics off their defaults, so the buffers' round trip is tested too.
    const [x] = await dls.oneBatch();
    torch.noGrad(() => torch.tidy(() => model.train().call(x!)));
    torch.dispose([x!]);
    model.eval();
    items = [...valid, await imageBytes({ width: 50, height: 30, color: [10, 200, 90] })];
    file = join(dir, 'out', 'pets.safetensors');
    writeExport(file, { model, dls, lossFunc: 'CrossEntropyLossFlat', lossOptions: { labelSmoothing: 0.1 } });
  });
  after(() => {
    model?.dispose();
    cleanup.forEach((fn) => fn());
  });

  it('round trip: identical batches and logits, the vocab, transforms and loss survive', async () => {
    assert.deepEqual(readdirSync(join(dir, 'out')), ['pets.safetensors'], 'written atomically: no temporary file is left');
    const loaded = await readExport(file, { device: 'cpu' });
    try {
      assert.deepEqual(loaded.dls.vocab, ['cat', 'dog', 'fox']);
      assert.equal(loaded.dls.inferenceOnly, true);
      assert.equal(loaded.lossFunc, 'CrossEntropyLossFlat');
      assert.deepEqual(loaded.lossOptions, { labelSmoothing: 0.1 });
      const describe = (d: DataLoaders) => [...d.pipeline.itemTfms, ...d.pipeline.batchTfms].map((t) => `${t.name} ${t.describe?.() ?? ''}`);
      assert.deepEqual(describe(loaded.dls), describe(dls));
      assert.equal(loaded.meta.model.arch, 'mobilenet_v1_0.25');
      assert.deepEqual(loaded.meta.model.head.linFtrs, [32]);
      assert.equal(loaded.meta.format, EXPORT_FORMAT);
      assert.equal(loaded.meta.formatVersion, 1);
      assert.equal(loaded.dls.valid.bs, 4, 'testDl keeps the batch size');

      const x0 = await allInputs(await dls.testDl(items));
      const x1 = await allInputs(await loaded.dls.testDl(items));
      assert.deepEqual(x1.shape, [7, 3, 32, 32]);
      assert.equal(torch.tidy(() => x0.sub(x1).abs().max().item()), 0, 'the rebuilt pipeline makes the same batches');
      const [l0, l1] = [logitsOf(model, x0), logitsOf(loaded.model, x1)];
      assert.deepEqual(l1.shape, [7, 3]);
      assert.deepEqual(Array.from(l1.toTypedArray() as Float32Array), Array.from(l0.toTypedArray() as Float32Array), 'identical logits');
      assert.deepEqual(loaded.dls.decodePreds(l1).labels, dls.decodePreds(l0).labels);
      torch.dispose([x0, x1, l0, l1]);
      await assert.rejects(loaded.dls.oneBatch(), /loaded from an export and has no training data/);
      await assert.rejects(loaded.dls.showBatch(), /loaded from an export and has no training data/);
    } finally {
      loaded.model.dispose();
    }
  });

  it('refuses to write what cannot be rebuilt, and writes nothing', async () => {
    const custom = await createVisionModel('mobilenet_v1_0.25', 3, { pretrained: false, customHead: new nn.Sequential(new nn.Flatten(), new nn.Linear(256, 3)) });
    const bad = join(dir, 'bad.safetensors');
    assert.throws(() => writeExport(bad, { model: custom, dls, lossFunc: 'CrossEntropyLossFlat' }), /export .*bad\.safetensors: this model cannot be exported because it has a custom head/);
    custom.dispose();
    const withCode = await ImageDataLoaders.fromFolder(join(dir, 'data'), { itemTfms: Resize(16), bs: 4, device: 'cpu' });
    withCode.addTfms([{ name: 'MyTfm', order: 50, apply: (b: Tensor[]) => b }]);
    assert.throws(() => writeExport(bad, { model, dls: withCode, lossFunc: 'CrossEntropyLossFlat' }), /'MyTfm' cannot be stored: it has no spec\(\)/);
    assert.throws(() => writeExport(bad, { model, dls, lossFunc: 'CrossEntropyLossFlat', lossOptions: { weight: torch.ones([3]) } as never }), /lossOptions\.weight is a Tensor/);
    assert.ok(!readdirSync(dir).includes('bad.safetensors'));
  });

  it('errors name the file and what is wrong', async () => {
    const bytes = readFileSync(file);
    const truncated = join(dir, 'truncated.safetensors');
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 1000));
    await assert.rejects(readExport(truncated), (e: Error) => e.message.includes(truncated) && /past the end of the file \(truncated/.test(e.message));
    const stub = join(dir, 'stub.safetensors');
    writeFileSync(stub, bytes.subarray(0, 100));
    await assert.rejects(readExport(stub), /stub\.safetensors is not a safetensors file \(or is truncated\)/);
    const garbled = join(dir, 'garbled.safetensors');
    const g = Buffer.from(bytes);
    g.write('}}}}', 8);
    writeFileSync(garbled, g);
    await assert.rejects(readExport(garbled), /garbled\.safetensors is not a safetensors file: its header is not JSON/);

    const plain = join(dir, 'weights.safetensors');
    torch.saveSafetensors(plain, model.stateDict());
    await assert.rejects(readExport(plain), /weights\.safetensors is a plain weights file .*not a fastai-ts export: load it into a model with loadWeightsFile/);
    // ...which loadWeightsFile does load
    const twin = await createVisionModel('mobilenet_v1_0.25', 3, { pretrained: false, linFtrs: [32], ps: 0.3, bnFinal: true });
    loadWeightsFile(twin, plain);
    twin.dispose();

    const v2 = rewrite(file, join(dir, 'v2.safetensors'), (m) => { m.format_version = '2'; m.fastai_ts_version = '9.0.0'; });
    await assert.rejects(readExport(v2), /v2\.safetensors is a fastai-ts export of format version 2 \(written by fastai-ts 9\.0\.0\); this build \(fastai-ts .*\) reads format version 1: upgrade fastai-ts/);
    const other = rewrite(file, join(dir, 'other.safetensors'), (m) => { m.format = 'someone.else'; });
    assert.throws(() => readExportMeta(other), /other\.safetensors is not a fastai-ts export: its metadata says format 'someone\.else'/);

    const editModel = (name: string, edit: (c: Record<string, unknown>) => void) =>
      rewrite(file, join(dir, name), (m) => {
        const c = JSON.parse(m.model!) as Record<string, unknown>;
        edit(c);
        m.model = JSON.stringify(c);
      });
    const arch = editModel('arch.safetensors', (c) => { c.arch = 'resnet999'; });
    await assert.rejects(readExport(arch), /arch\.safetensors: the export's architecture 'resnet999' is not registered in this program \(known: resnet18, .*mobilenet_v1_0\.25.*\); register it with registerArch/);
    const shapes = editModel('shapes.safetensors', (c) => { c.nOut = 5; });
    await assert.rejects(readExport(shapes), /shapes\.safetensors: the export's tensors do not match architecture 'mobilenet_v1_0\.25' with nOut 5.*size mismatch for 1\.\d+\.weight/s);

    const tfm = rewrite(file, join(dir, 'tfm.safetensors'), (m) => {
      const p = JSON.parse(m.pipeline!) as { batchTfms: TransformSpec[] };
      p.batchTfms[0] = { type: 'FancyAug', options: {} };
      m.pipeline = JSON.stringify(p);
    });
    await assert.rejects(readExport(tfm), /tfm\.safetensors: cannot rebuild the export's data pipeline: .*unknown transform type 'FancyAug' \(registered: .*Resize/);
    const json = rewrite(file, join(dir, 'json.safetensors'), (m) => { m.model = '{"arch": '; });
    await assert.rejects(readExport(json), /json\.safetensors: the export's metadata field 'model' is not valid JSON/);
    await assert.rejects(readExport(join(dir, 'missing.safetensors')), /cannot open .*missing\.safetensors/);
  });
});

describe('export on pet photos', () => {
  it('the rebuilt learner gives the same logits on real JPEGs (crop Resize, presizing, augmentation)', async (t) => {
    if (!haveShared(t, ['data', 'pets'])) return;
    const dir = tempDir(t);
    const files = getImageFiles(sharedPath('data', 'pets')).filter((f) => /(Abyssinian|Bengal|beagle)_\d+\.jpg$/.test(f)).slice(0, 30); // 3 breeds
    const dls = await ImageDataLoaders.fromPathFunc(sharedPath('data', 'pets'), files, RegexLabeller(/([^/]+)_\d+\.jpg$/), {
      seed: 1, itemTfms: Resize(96), batchTfms: [...augTransforms({ size: 64, minScale: 0.75 }), Normalize.fromStats(...inceptionStats)], bs: 4, device: 'cpu',
    });
    const model = await createVisionModel('mobilenet_v1_0.25', dls.c, { pretrained: false });
    const file = join(dir, 'pets.safetensors');
    writeExport(file, { model, dls, lossFunc: 'CrossEntropyLossFlat' });
    const loaded = await readExport(file, { device: 'cpu' });
    const items = files.slice(0, 6);
    const [x0, x1] = [await allInputs(await dls.testDl(items)), await allInputs(await loaded.dls.testDl(items))];
    const [l0, l1] = [logitsOf(model, x0), logitsOf(loaded.model, x1)];
    assert.deepEqual(loaded.dls.vocab, ['Abyssinian', 'Bengal', 'beagle']);
    assert.deepEqual(x1.shape, [6, 3, 64, 64]);
    assert.deepEqual(Array.from(l1.toTypedArray() as Float32Array), Array.from(l0.toTypedArray() as Float32Array));
    torch.dispose([x0, x1, l0, l1]);
    model.dispose();
    loaded.model.dispose();
  });
});
