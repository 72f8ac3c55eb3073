// The fastai-ts rank of a mixed group (see interop_rank.py, its Python twin): the same model,
// data shards and SGD-momentum steps, with nn.DistributedDataParallel.
import { F, nn, torch, type Tensor } from '../../../../src/index.js';
import { Net } from './interop-net.js';

const [dataPath, stepsArg, out] = process.argv.slice(2) as [string, string, string];
const steps = Number(stepsArg);

const data = torch.loadSafetensors(dataPath);
await torch.distributed.initProcessGroup({ timeoutMs: 60_000 });
const rank = torch.distributed.getRank();
const world = torch.distributed.getWorldSize();
const model = new Net();
if (rank === 0) {
  const init = Object.fromEntries(Object.entries(data).filter(([k]) => k.startsWith('init.')).map(([k, v]) => [k.slice(5), v]));
  model.loadStateDict(init);
}
const ddp = new nn.DistributedDataParallel(model);
await ddp.ready;
const bufs = new Map<Tensor, Tensor>();
for (let s = 0; s < steps; s++) {
  await ddp.prepareForward();
  const loss = torch.tidy(() => {
    const x = data.x!.select(0, s);
    const y = data.y!.select(0, s);
    const n = x.shape[0]! / world;
    return F.crossEntropy(ddp.call(x.narrow(0, rank * n, n)), y.narrow(0, rank * n, n));
  });
  loss.backward();
  loss.dispose();
  await ddp.syncGradients();
  // torch.optim.SGD(lr 0.1, momentum 0.9) with PyTorch's own ops, so both ranks round alike:
  // buf = g on the first step, then buf.mul_(0.9).add_(g); p.add_(buf, alpha=-0.1).
  torch.noGrad(() => {
    for (const p of model.parameters()) {
      const g = p.grad!;
      const buf = bufs.get(p);
      if (buf) buf.mul_(0.9).add_(g);
      else bufs.set(p, torch.keep(g.clone()));
      p.add_(bufs.get(p)!, -0.1);
      g.dispose();
    }
  });
  model.zeroGrad();
}
torch.saveSafetensors(out, Object.fromEntries(model.namedParameters()));
console.log(JSON.stringify({ rank, buckets: ddp.buckets }));
await torch.distributed.destroyProcessGroup();
