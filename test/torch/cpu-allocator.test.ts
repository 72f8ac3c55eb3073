import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { F, torch } from '../../src/index.js';

const MiB = 2 ** 20;
const cached = () => torch.memory().cpuCachedBytes;

describe("the engine's CPU block cache", { skip: process.env.FASTAI_TS_MALLOC === 'system' ? 'FASTAI_TS_MALLOC=system: libtorch\'s own allocator' : false }, () => {
  it('keeps a freed large block and gives it to the next tensor of its size', () => {
    torch.emptyCpuCache();
    assert.equal(cached(), 0);
    const a = torch.empty([MiB], { dtype: 'float32' }); // 4 MiB
    const address = a.dataPtr();
    a.dispose();
    assert.ok(cached() >= 4 * MiB, `a freed 4 MiB block is kept (${cached()} bytes)`);
    const b = torch.empty([MiB], { dtype: 'float32' });
    assert.equal(b.dataPtr(), address, 'the same block, reused');
    assert.equal(cached(), 0, 'taken out of the cache');
    // A nearby size shares the block's size class (sizes round up by at most 1/8).
    b.dispose();
    const c = torch.empty([MiB - 1000], { dtype: 'float32' });
    assert.equal(c.dataPtr(), address);
    c.dispose();
  });

  it('leaves small tensors to libtorch, and tensors from the cache work with every kernel (oneDNN included)', () => {
    torch.emptyCpuCache();
    torch.tidy(() => torch.ones([1000]).add(1).sum().item());
    assert.equal(cached(), 0, 'nothing under 1 MiB is cached');
    torch.manualSeed(0);
    const out = torch.tidy(() => {
      const x = torch.randn([8, 16, 64, 64]); // 2 MiB: a cached block
      const w = torch.randn([32, 16, 3, 3]);
      const y = F.conv2d(x, w, null, { padding: 1 });
      const ref = F.conv2d(x.double(), w.double(), null, { padding: 1 });
      return y.double().sub(ref).abs().max().item();
    });
    assert.ok(out < 1e-3, `conv on cached blocks matches float64 (max diff ${out})`);
  });

  it('never keeps more than its limit, and emptyCpuCache returns everything', () => {
    torch.emptyCpuCache();
    const { cpuCacheLimitBytes: limit } = torch.memory();
    assert.ok(limit >= 256 * MiB);
    // Free more distinct sizes than the limit holds.
    for (let k = 0; k < 12; k++) torch.empty([Math.floor(((limit / 8) * (1 + k / 16)) / 4)], { dtype: 'float32' }).dispose();
    assert.ok(cached() <= torch.memory().cpuCacheLimitBytes, `${cached()} bytes kept, limit ${torch.memory().cpuCacheLimitBytes}`);
    assert.ok(cached() > 0);
    torch.emptyCpuCache();
    assert.equal(cached(), 0);
  });
});
