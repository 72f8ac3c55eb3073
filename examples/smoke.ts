/**
 * A first run of the engine: prints the build, reproduces the book's cross-entropy example,
 * then trains a small conv net on a toy problem with SGD, freeing every tensor as it goes.
 * Run: npm run smoke
 */
import { F, nn, torch } from '../src/index.js';

console.log(`fastai-ts engine: libtorch ${torch.version()}, ${torch.getNumThreads()} threads, CUDA ${torch.cuda.isAvailable() ? 'yes' : 'no'}`);

torch.manualSeed(42);
const acts = torch.randn([6, 2]).mul(2);
const targ = torch.tensor([0, 1, 0, 1, 1, 0]);
console.log('acts =', acts.toString());
console.log('crossEntropy(acts, targ) =', F.crossEntropy(acts, targ).item().toFixed(4), "(the book's 1.8045)");

const model = new nn.Sequential(
  new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.ReLU(),
  new nn.Conv2d(8, 16, 3, { stride: 2, padding: 1 }), new nn.ReLU(),
  new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(16, 2),
);
console.log(model.toString());

// Class 0: left half bright; class 1: right half bright.
function batch(n: number) {
  return torch.tidy(() => {
    const y = torch.randint(0, 2, [n]);
    const left = torch.arange(8).view(1, 1, 1, 8).lt(4).float();
    const x = torch.where(y.view(n, 1, 1, 1).eq(0), left, left.rsub(1)).expand(n, 1, 8, 8).add(torch.randn([n, 1, 8, 8]).mul(0.3));
    return { x, y };
  });
}

for (let step = 1; step <= 200; step++) {
  const { x, y } = batch(32);
  const loss = torch.tidy(() => {
    const l = F.crossEntropy(model.call(x), y);
    l.backward();
    torch.noGrad(() => {
      for (const p of model.parameters()) {
        p.add_(p.grad!, -0.2);
        p.grad = null;
      }
    });
    return l.item();
  });
  torch.dispose([x, y]);
  if (step % 40 === 0) console.log(`step ${step}: loss ${loss.toFixed(4)}`);
}
console.log('live native tensors at the end:', torch.memory().liveTensors);
