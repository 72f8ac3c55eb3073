import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { torch } from '../../src/index.js';
import { sgdStep, smallConvNet, toyBatch } from './toy-net.js';

describe('training a small conv net', () => {
  it('drives the loss on a separable toy problem below 10% of its start', () => {
    torch.manualSeed(0);
    const model = smallConvNet();
    const losses: number[] = [];
    for (let step = 0; step < 150; step++) {
      const { x, y } = toyBatch(32);
      losses.push(sgdStep(model, x, y, 0.2));
      x.dispose();
      y.dispose();
    }
    const start = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
    const end = losses.slice(-5).reduce((a, b) => a + b) / 5;
    assert.ok(end < 0.1 * start, `loss went from ${start.toFixed(4)} to ${end.toFixed(4)}`);
    model.dispose();
  });
});

describe('native memory over a long run', () => {
  it('stays flat for 500 steps: same live tensors, RSS within 10%', () => {
    torch.manualSeed(1);
    const model = smallConvNet();
    let rss50 = 0;
    let live50 = 0;
    for (let step = 1; step <= 500; step++) {
      const { x, y } = toyBatch(16);
      sgdStep(model, x, y, 0.05);
      x.dispose();
      y.dispose();
      if (step === 50) {
        rss50 = process.memoryUsage().rss;
        live50 = torch.memory().liveTensors;
      }
    }
    const rss500 = process.memoryUsage().rss;
    assert.equal(torch.memory().liveTensors, live50, 'tensors leaked between step 50 and 500');
    const growth = (rss500 - rss50) / rss50;
    assert.ok(Math.abs(growth) < 0.1, `RSS went from ${(rss50 / 2 ** 20).toFixed(0)} MB to ${(rss500 / 2 ** 20).toFixed(0)} MB`);
    model.dispose();
  });
});
