import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { torch } from '../../src/index.js';

const live = () => torch.memory().liveTensors;

describe('tidy, keep and dispose', () => {
  it('frees what the function created except what it returns', () => {
    const before = live();
    const out = torch.tidy(() => {
      const a = torch.ones([3]);
      const b = a.mul(2);
      return b.add(1);
    });
    assert.equal(live(), before + 1);
    assert.deepEqual(out.toArray(), [3, 3, 3]);
    out.dispose();
    assert.equal(live(), before);
  });

  it('keeps tensors returned inside arrays, objects and Maps', () => {
    const before = live();
    const r = torch.tidy(() => ({ a: torch.ones([1]), list: [torch.zeros([1]), 5], m: new Map([['k', torch.ones([2])]]) }));
    assert.equal(live(), before + 3);
    torch.dispose(r);
    assert.equal(live(), before);
  });

  it('moves returned tensors to the enclosing scope', () => {
    const before = live();
    torch.tidy(() => {
      const inner = torch.tidy(() => torch.ones([2]).mul(3));
      assert.equal(inner.isDisposed, false);
      return null;
    });
    assert.equal(live(), before);
  });

  it('never frees kept tensors or tensors created outside', () => {
    const outside = torch.ones([1]);
    let kept!: ReturnType<typeof torch.ones>;
    torch.tidy(() => {
      kept = torch.keep(torch.ones([1]));
      outside.add(1);
    });
    assert.equal(outside.isDisposed, false);
    assert.equal(kept.isDisposed, false);
    kept.dispose();
    outside.dispose();
  });

  it('frees everything when the function throws', () => {
    const before = live();
    assert.throws(() => torch.tidy(() => {
      torch.ones([4]);
      throw new Error('boom');
    }), /boom/);
    assert.equal(live(), before);
  });

  it('refuses async functions', () => {
    assert.throws(() => torch.tidy(async () => torch.ones([1])), /synchronous/);
  });

  it('in-place ops return the same tensor, so nothing extra is created', () => {
    const t = torch.zeros([2]);
    const before = live();
    t.add_(1).mul_(3);
    assert.equal(live(), before);
    assert.deepEqual(t.toArray(), [3, 3]);
  });

  it('reports native memory to V8 and frees it with the garbage collector as a safety net', { skip: typeof globalThis.gc !== 'function' ? 'run node with --expose-gc' : false }, () => {
    const before = live();
    (() => {
      for (let i = 0; i < 100; i++) torch.ones([10]);
    })();
    globalThis.gc!();
    return new Promise<void>((resolve) => setTimeout(() => {
      assert.ok(live() < before + 100);
      resolve();
    }, 50));
  });
});
