import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { poolSizeToSet } from '../../src/cli/thread-pool.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

function cli(args: string[], env: NodeJS.ProcessEnv): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('the fastai-ts command', () => {
  it('runs its work with one decode thread per core on machines with more than 4, unless UV_THREADPOOL_SIZE is set', () => {
    assert.equal(poolSizeToSet({}, 16), 16);
    assert.equal(poolSizeToSet({}, 4), undefined, "libuv's default 4 already covers 4 cores");
    assert.equal(poolSizeToSet({}, 2), undefined);
    assert.equal(poolSizeToSet({ UV_THREADPOOL_SIZE: '3' }, 16), undefined, "the user's setting stands");
  });

  it('info reports the decode threads in effect', () => {
    const r = cli(['info'], { UV_THREADPOOL_SIZE: '6' });
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /decode threads \(libuv pool\): 6/);
    assert.match(r.out, /fastai-ts on libtorch \d+\.\d+/);
    assert.match(r.out, /architectures \(--arch\):\n {2}resnet18 .*\n {2}resnet34 /);
  });
});
