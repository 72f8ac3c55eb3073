/**
 * ClassificationInterpretation.fromLearner on the small synthetic problem (two blobs, TinyNet):
 * inference runs once, the arrays match getPreds, any labelled loader works.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClassificationInterpretation, Learner, setSeed, type Tensor, torch } from '../../src/index.js';
import { assertClose } from '../helpers.js';
import { type Point, pointDls, points, TinyNet } from '../learner/synthetic.js';

async function trained(): Promise<Learner> {
  setSeed(0);
  const learn = new Learner(await pointDls(), new TinyNet(), { quiet: true });
  await learn.fit(2, 1e-2);
  return learn;
}

/** Counts the calls of the model's own forward (not its submodules'). */
function countForward(learn: Learner): { calls: number } {
  const counter = { calls: 0 };
  const model = learn.model as TinyNet;
  const forward = model.forward.bind(model);
  model.forward = (x: Tensor) => {
    counter.calls++;
    return forward(x);
  };
  return counter;
}

const numbers = (t: Tensor) => Array.from(torch.tidy(() => t.double().contiguous().toTypedArray() as Float64Array));

describe('ClassificationInterpretation.fromLearner', () => {
  it('runs inference once however many methods are called, and keeps nothing native', async (t) => {
    const learn = await trained();
    const counter = countForward(learn);
    const live = torch.memory().liveTensors;
    const interp = await ClassificationInterpretation.fromLearner(learn);
    assert.equal(torch.memory().liveTensors, live, 'the predictions were freed after copying');
    const batches = learn.dls.valid.length;
    assert.equal(batches, 2);
    assert.equal(counter.calls, batches, 'one forward per validation batch');
    t.mock.method(console, 'log', () => undefined);
    for (let i = 0; i < 3; i++) {
      interp.confusionMatrix();
      interp.mostConfused();
      interp.topLosses(5);
      interp.classificationReport();
      interp.printClassificationReport();
    }
    assert.equal(counter.calls, batches, 'no further inference');
  });

  it('holds what getPreds returns: probabilities, targets, argmax classes, per-item cross-entropy', async (t) => {
    const learn = await trained();
    const interp = await ClassificationInterpretation.fromLearner(learn);
    const { preds, targs } = await learn.getPreds();
    t.after(() => torch.dispose([preds, targs]));
    assert.deepEqual(interp.vocab, ['a', 'b']);
    assert.equal(interp.dl, learn.dls.valid);
    assertClose(interp.preds.flat(), numbers(preds));
    assert.deepEqual([...interp.targs], numbers(targs!));
    assert.deepEqual([...interp.decoded], interp.preds.map((r) => (r[1]! > r[0]! ? 1 : 0)));
    assertClose(interp.losses, interp.preds.map((r, i) => -Math.log(r[interp.targs[i]!]!)), { atol: 1e-5 });
    const cm = interp.confusionMatrix();
    assert.equal(cm.flat().reduce((a, b) => a + b, 0), 32);
    const correct = interp.targs.filter((y, i) => y === interp.decoded[i]).length;
    assert.equal(cm[0]![0]! + cm[1]![1]!, correct);
    assert.equal(interp.classificationReport().accuracy, correct / 32);
    // the validation loader is in item order: indices are positions in dl.items
    assert.deepEqual([...interp.itemIndices], [...Array(32).keys()]);
    const items = learn.dls.valid.items as Point[];
    assert.ok(interp.targs.every((y, i) => y === (items[i]!.y === 'a' ? 0 : 1)));
  });

  it('a shuffled loader: indices point at the items the rows came from', async () => {
    const learn = await trained();
    const dl = learn.dls.train;
    const interp = await ClassificationInterpretation.fromLearner(learn, { dl });
    const items = learn.dls.train.items as Point[];
    assert.equal(interp.targs.length, 64);
    assert.notDeepEqual([...interp.itemIndices], [...Array(64).keys()], 'the order is shuffled');
    assert.ok(interp.itemIndices.every((k, r) => interp.targs[r] === (items[k]!.y === 'a' ? 0 : 1)));
    const top = interp.topLosses(1).indices[0]!;
    const row = interp.itemIndices.indexOf(top);
    assert.equal(interp.losses[row], Math.max(...interp.losses));
  });

  it('a labelled testDl, and a clear error for one without labels', async () => {
    const learn = await trained();
    const fresh = points(10, 7);
    const dl = await learn.dls.testDl(fresh, { withLabels: true });
    const interp = await ClassificationInterpretation.fromLearner(learn, { dl });
    assert.equal(interp.dl, dl);
    assert.deepEqual([...interp.targs], fresh.map((p) => (p.y === 'a' ? 0 : 1)));
    assert.equal(interp.confusionMatrix().flat().reduce((a, b) => a + b, 0), 10);
    const unlabelled = await learn.dls.testDl(fresh.map((p) => p.x));
    await assert.rejects(
      ClassificationInterpretation.fromLearner(learn, { dl: unlabelled }),
      /fromLearner: the given loader has no labels with a vocab \(its blocks: VectorBlock\); .*testDl\(items, \{ withLabels: true \}\)/,
    );
  });
});
