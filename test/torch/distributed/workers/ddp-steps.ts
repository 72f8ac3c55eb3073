// A fixed model and batch, trained `steps` SGD-momentum steps either in one process on the
// full batch (mode single) or as a rank of a DistributedDataParallel group on its half (mode
// ddp). Writes the final parameters to the safetensors file `out` (rank 0 in ddp mode; both
// ranks with out containing {rank}).
import { F, nn, torch, type Tensor } from '../../../../src/index.js';

const [mode, stepsArg, out] = process.argv.slice(2) as ['single' | 'ddp', string, string];
const steps = Number(stepsArg);

class Net extends nn.Module {
  conv = this.registerModule('conv', new nn.Conv2d(3, 6, 3, { padding: 1 }));
  pool = this.registerModule('pool', new nn.AdaptiveAvgPool2d(1));
  fc = this.registerModule('fc', new nn.Linear(6, 4));
  forward(x: Tensor): Tensor {
    return torch.tidy(() => this.fc.call(this.pool.call(F.relu(this.conv.call(x))).flatten(1)));
  }
}

torch.manualSeed(0);
const model = new Net();
// The data is drawn after the model on every rank, so every rank sees the same full batch.
const x = torch.randn([8, 3, 6, 6]);
const y = torch.randint(0, 4, [8]);
if (mode === 'ddp') {
  // A different initialisation on rank 1: the construction's broadcast must replace it.
  if (Number(process.env.RANK) === 1) torch.noGrad(() => { for (const p of model.parameters()) p.mul_(3).add_(1); });
  await torch.distributed.initProcessGroup({ timeoutMs: 60_000 });
}
const rank = torch.distributed.getRank();
const world = torch.distributed.getWorldSize();
const ddp = mode === 'ddp' ? new nn.DistributedDataParallel(model) : null;
const n = 8 / world;
const xs = x.narrow(0, rank * n, n);
const ys = y.narrow(0, rank * n, n);
const bufs = new Map<Tensor, Tensor>();
for (let s = 0; s < steps; s++) {
  await ddp?.prepareForward();
  const loss = torch.tidy(() => F.crossEntropy(model.call(xs), ys));
  loss.backward();
  loss.dispose();
  await ddp?.syncGradients();
  // PyTorch's SGD with momentum 0.9: buf = 0.9 * buf + g; p -= 0.1 * buf.
  torch.noGrad(() => torch.tidy(() => {
    for (const p of model.parameters()) {
      const g = p.grad!;
      const buf = bufs.get(p);
      if (buf) buf.mul_(0.9).add_(g);
      else bufs.set(p, torch.keep(g.clone()));
      p.sub_(bufs.get(p)!.mul(0.1));
      g.dispose();
    }
  }));
  model.zeroGrad();
}
if (mode === 'single' || rank === 0 || out.includes('{rank}')) torch.saveSafetensors(out.replace('{rank}', String(rank)), model.stateDict());
console.log(JSON.stringify({ rank, buckets: ddp?.buckets ?? null }));
if (mode === 'ddp') await torch.distributed.destroyProcessGroup();
