import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ColSplitter, FuncSplitter, GrandparentSplitter, IndexSplitter, RandomSplitter } from '../../src/data/index.js';

const items = (n: number) => Array.from({ length: n }, (_, i) => `item${i}`);

describe('splitters', () => {
  it('RandomSplitter(seed 42) on 370 items: 296 train / 74 valid, the permutation PyTorch draws', () => {
    const [train, valid] = RandomSplitter({ seed: 42 })(items(370));
    assert.equal(train.length, 296);
    assert.equal(valid.length, 74);
    // torch.manual_seed(42); torch.randperm(370)[:10] in PyTorch
    assert.deepEqual(valid.slice(0, 10), [12, 132, 94, 177, 172, 90, 158, 18, 16, 345]);
    assert.deepEqual([...train, ...valid].sort((a, b) => a - b), Array.from({ length: 370 }, (_, i) => i));
    assert.deepEqual(RandomSplitter({ seed: 42 })(items(370)), [train, valid], 'the same on every call');
    assert.equal(RandomSplitter({ validPct: 0.25, seed: 1 })(items(10))[1].length, 2);
    assert.throws(() => RandomSplitter({ validPct: 1 }), /validPct must be in \[0, 1\)/);
  });

  it('GrandparentSplitter splits on train/valid folders', () => {
    const files = ['d/train/cat/1.jpg', 'd/valid/cat/2.jpg', 'd/train/dog/3.jpg', 'd/test/dog/4.jpg'];
    assert.deepEqual(GrandparentSplitter()(files), [[0, 2], [1]]);
    assert.deepEqual(GrandparentSplitter({ trainName: 'test', validName: 'valid' })(files), [[3], [1]]);
    assert.throws(() => GrandparentSplitter()(['a/b/c.jpg']), /no item sits in a 'train\/<label>\/' folder/);
  });

  it('IndexSplitter, FuncSplitter and ColSplitter', () => {
    assert.deepEqual(IndexSplitter([1, 3])(items(5)), [[0, 2, 4], [1, 3]]);
    assert.throws(() => IndexSplitter([7])(items(5)), /index 7 is outside the 5 items/);
    assert.deepEqual(FuncSplitter((s: string) => s.endsWith('1'))(items(3)), [[0, 2], [1]]);
    const rows = [{ f: 'a', is_valid: 'False' }, { f: 'b', is_valid: 'True' }, { f: 'c', is_valid: '1' }];
    assert.deepEqual(ColSplitter()(rows), [[0], [1, 2]]);
    assert.throws(() => ColSplitter('valid')(rows), /no column 'valid'; its columns are 'f', 'is_valid'/);
    assert.throws(() => ColSplitter('f')(rows), /holds 'a', which is not a boolean/);
  });
});
