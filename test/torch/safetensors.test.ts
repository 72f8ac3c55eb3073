import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { torch } from '../../src/index.js';
import { haveShared, sharedPath } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'fastai-ts-st-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('safetensors', () => {
  it('round-trips F32, F64, F16, BF16, I64, I32, U8 and BOOL tensors with metadata', () => {
    const tensors = {
      'a.weight': torch.randn([3, 4]),
      b: torch.randn([2], { dtype: 'float64' }),
      half: torch.randn([5]).half(),
      bf: torch.randn([2, 2]).bfloat16(),
      idx: torch.tensor([1, 2 ** 40, -3]),
      i32: torch.tensor([7], { dtype: 'int32' }),
      u8: torch.tensor(Buffer.from([1, 255])),
      mask: torch.tensor([true, false]),
      scalar: torch.tensor(2.5),
      strided: torch.arange(6, undefined, 1, { dtype: 'float32' }).view(2, 3).t(),
    };
    const path = join(dir, 'all.safetensors');
    torch.saveSafetensors(path, tensors, { format: 'pt', note: 'test' });
    const loaded = torch.loadSafetensors(path);
    assert.deepEqual(Object.keys(loaded), Object.keys(tensors));
    for (const [k, t] of Object.entries(tensors)) {
      assert.equal(loaded[k]!.dtype, t.dtype, k);
      assert.deepEqual(loaded[k]!.shape, t.shape, k);
      assert.deepEqual(loaded[k]!.toArray(), t.toArray(), k);
    }
    assert.deepEqual(torch.safetensorsMetadata(path), { format: 'pt', note: 'test' });
    // The data section starts 8-byte aligned, as the format recommends.
    const headerLen = Number(readFileSync(path).readBigUInt64LE(0));
    assert.equal((8 + headerLen) % 8, 0);
  });

  it('reads the shared MobileNet weights (a file written by Python safetensors)', (t) => {
    if (!haveShared(t, ['models', 'mobilenet_v1_0.25_224.safetensors'])) return;
    const sd = torch.loadSafetensors(sharedPath('models', 'mobilenet_v1_0.25_224.safetensors'));
    assert.deepEqual(sd['conv1.weight']!.shape, [8, 3, 3, 3]);
    assert.deepEqual(sd['conv_dw_1.weight']!.shape, [8, 1, 3, 3]);
    const count = Object.values(sd).reduce((n, v) => n + v.numel(), 0);
    assert.equal(count, 475544); // the README's parameter count (running statistics included)
    assert.equal(torch.safetensorsMetadata(sharedPath('models', 'mobilenet_v1_0.25_224.safetensors')).bn_eps, '0.001');
    assert.ok(Number.isFinite(sd['conv_preds.bias']!.sum().item()));
  });

  it('explains truncated and non-safetensors files', () => {
    const path = join(dir, 'x.safetensors');
    torch.saveSafetensors(path, { w: torch.ones([100]) });
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 10));
    assert.throws(() => torch.loadSafetensors(path), /tensor 'w' lies at bytes 0\.\.400 past the end of the file \(truncated download\?\)/);
    writeFileSync(path, 'hello world, not a tensor file');
    assert.throws(() => torch.loadSafetensors(path), /is not a safetensors file/);
    assert.throws(() => torch.loadSafetensors(join(dir, 'missing.safetensors')), /cannot open .*missing\.safetensors: ENOENT/);
  });
});
