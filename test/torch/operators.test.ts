// Operators are looked up lazily (on first call), so a misspelt name or an overload this
// libtorch lacks would only fail when some rarely used path first runs. Resolve them all here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import '../../src/index.js'; // loads every module of the package, so every aten() is declared
import { declaredOps } from '../../src/torch/aten.js';
import { native } from '../../src/torch/native.js';

describe('ATen operators declared in src/', () => {
  it('all resolve in this libtorch', () => {
    const ops = declaredOps();
    assert.ok(ops.length > 150, `expected the whole package's operators, found ${ops.length}`);
    const missing: string[] = [];
    for (const op of ops) {
      try {
        assert.match(op.schema, new RegExp(`^aten::${op.name}(\\.${op.overload})?\\(`));
      } catch (e) {
        missing.push(`aten::${op.name}${op.overload ? '.' + op.overload : ''}: ${(e as Error).message}`);
      }
    }
    assert.deepEqual(missing, [], `libtorch ${native.version()} lacks:\n${missing.join('\n')}`);
  });

  it('fails a misspelt name with the name and the libtorch version', () => {
    assert.throws(() => native.opLookup('aten::conv2dd', ''), new RegExp(`libtorch has no operator aten::conv2dd \\(this libtorch is ${native.version().replace(/\./g, '\\.')}\\)`));
  });
});
