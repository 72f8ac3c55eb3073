import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type StateDict, torch } from '../../src/torch/index.js';
import { resnet18 } from '../../src/vision/index.js';

/** A copy of a resnet18's state dict that a test may edit. */
function copyOf(sd: StateDict): StateDict {
  return Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, v.detach().clone()]));
}

test('strict loading fails on a missing key, naming it', () => {
  const model = resnet18();
  const sd = copyOf(model.stateDict());
  sd['layer2.0.conv1.weight']!.dispose();
  delete sd['layer2.0.conv1.weight'];
  assert.throws(() => model.loadStateDict(sd), (e: Error) => /Missing key\(s\) in state_dict: "layer2\.0\.conv1\.weight"/.test(e.message));
  const report = model.loadStateDict(sd, { strict: false });
  assert.deepEqual(report, { missingKeys: ['layer2.0.conv1.weight'], unexpectedKeys: [] });
  torch.dispose(sd);
  model.dispose();
});

test('strict loading fails on an unexpected key, naming it; non-strict reports it', () => {
  const model = resnet18();
  const sd = copyOf(model.stateDict());
  sd['head.weight'] = torch.zeros([2, 2]);
  assert.throws(() => model.loadStateDict(sd), (e: Error) => /Unexpected key\(s\) in state_dict: "head\.weight"/.test(e.message));
  assert.deepEqual(model.loadStateDict(sd, { strict: false }), { missingKeys: [], unexpectedKeys: ['head.weight'] });
  torch.dispose(sd);
  model.dispose();
});

test('a wrong shape fails in both modes, naming the key and both shapes', () => {
  const model = resnet18();
  const sd = copyOf(model.stateDict());
  sd['fc.weight']!.dispose();
  sd['fc.weight'] = torch.zeros([37, 512]);
  for (const strict of [true, false]) {
    assert.throws(
      () => model.loadStateDict(sd, { strict }),
      (e: Error) => e.message.includes('size mismatch for fc.weight') && e.message.includes('[37, 512]') && e.message.includes('[1000, 512]'),
    );
  }
  torch.dispose(sd);
  model.dispose();
});

test('checkpoints without num_batches_tracked load strictly, and values are copied', () => {
  const model = resnet18();
  const sd = copyOf(model.stateDict());
  for (const k of Object.keys(sd)) {
    if (k.endsWith('num_batches_tracked')) {
      sd[k]!.dispose();
      delete sd[k];
    }
  }
  sd['bn1.running_mean']!.fill_(0.25);
  assert.deepEqual(model.loadStateDict(sd), { missingKeys: [], unexpectedKeys: [] });
  assert.equal(torch.tidy(() => model.bn1.runningMean!.mean().item()), 0.25);
  torch.dispose(sd);
  model.dispose();
});
