import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nn, torch } from '../../src/index.js';

const bytes = () => torch.memory().liveBytes;
const handles = () => torch.memory().liveTensors;

describe('torch.memory() counts each storage once', () => {
  it('reports the bytes of a new tensor and releases them on dispose', () => {
    const before = bytes();
    const t = torch.zeros([10, 10]); // 100 float32
    assert.equal(bytes(), before + 400);
    t.dispose();
    assert.equal(bytes(), before);
  });

  it('counts views, expand, select, narrow and detach as 0 bytes', () => {
    const base = torch.ones([1, 3, 1, 1]);
    const start = bytes();
    const startHandles = handles();
    const views = [
      base.expand([64, 3, 224, 224]), // 38,535,168 bytes if counted per view
      base.view(3),
      base.select(1, 2),
      base.narrow(1, 0, 2),
      base.detach(),
      base.permute(1, 0, 2, 3),
      base.to('float32'), // already float32: the same storage
    ];
    assert.equal(bytes(), start);
    assert.equal(handles(), startHandles + views.length);
    torch.dispose(views);
    assert.equal(bytes(), start);
    assert.equal(handles(), startHandles);
    base.dispose();
  });

  it('releases a storage only when its last handle goes, whichever that is', () => {
    const before = bytes();
    const base = torch.zeros([256]); // 1024 bytes
    const view = base.narrow(0, 10, 20);
    assert.equal(bytes(), before + 1024);
    base.dispose();
    assert.equal(bytes(), before + 1024, 'the view still holds the storage');
    assert.deepEqual(view.shape, [20]);
    view.dispose();
    assert.equal(bytes(), before);
  });

  it('counts two handles to one storage once (grad read twice)', () => {
    const w = torch.ones([8], { requiresGrad: true });
    torch.tidy(() => w.mul(2).sum().backward());
    const before = bytes();
    const g1 = w.grad!;
    const afterFirst = bytes();
    const g2 = w.grad!;
    assert.equal(g1.dataPtr(), g2.dataPtr());
    assert.equal(bytes(), afterFirst, 'the second handle adds nothing');
    // The grad storage already belonged to autograd; the first handle made it visible.
    assert.equal(afterFirst, before + 32);
    g1.dispose();
    assert.equal(bytes(), afterFirst);
    g2.dispose();
    assert.equal(bytes(), before);
    w.dispose();
  });

  it('counts copies (clone, contiguous of a non-contiguous view) as new storage', () => {
    const base = torch.zeros([4, 4]);
    const before = bytes();
    const c = base.clone();
    assert.equal(bytes(), before + 64);
    const tr = base.t();
    const packed = tr.contiguous();
    assert.equal(bytes(), before + 128);
    torch.dispose([c, tr, packed, base]);
    assert.equal(bytes(), before - 64);
  });

  it('frees the count of tensors dropped without dispose when the GC finalizes them', { skip: typeof globalThis.gc !== 'function' ? 'run node with --expose-gc' : false }, async () => {
    const before = bytes();
    (() => {
      const base = torch.zeros([1000]);
      for (let i = 0; i < 50; i++) base.view(10, 100);
    })();
    // Finalizers run after a GC, on a later turn of the event loop.
    for (let i = 0; i < 20 && bytes() !== before; i++) {
      globalThis.gc!();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(bytes(), before);
  });
});

describe('torch.memory() after a storage is swapped in place', () => {
  it('follows a parameter converted in place (set_data) and releases it on dispose', () => {
    const before = bytes();
    const layer = new nn.Linear(10, 10); // 100 + 10 float32 = 440 bytes
    assert.equal(bytes(), before + 440);
    layer.to({ dtype: 'float64' });
    assert.equal(bytes(), before + 880, 'the float64 storage is counted, the float32 one released');
    layer.dispose();
    assert.equal(bytes(), before);
  });
});
