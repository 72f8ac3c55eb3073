/**
 * One rank of bench/distributed (RANK, WORLD_SIZE, MASTER_* from the environment; WORLD_SIZE 1
 * runs without a group). Prints one JSON line on rank 0.
 *   allreduce <iters>: all-reduce of ResNet-18's parameters as one flat float32 tensor, and as
 *     DistributedDataParallel's 25 MiB buckets; milliseconds per all-reduce.
 *   train <size> <bs> <iters>: ResNet-18 training steps (forward, cross-entropy, backward, DDP
 *     gradient sync, SGD momentum) on bs / WORLD_SIZE images per rank; ms per step and the part
 *     spent in syncGradients.
 */
import { F, nn, type Tensor, torch } from '../../src/index.js';
import { resnet18 } from '../../src/vision/models/index.js';

const [mode, ...args] = process.argv.slice(2);
const world = Number(process.env.WORLD_SIZE ?? 1);
if (world > 1) await torch.distributed.initProcessGroup({ timeoutMs: 120_000 });
const rank = torch.distributed.getRank();
const now = () => performance.now();

async function allreduce(iters: number): Promise<Record<string, unknown>> {
  const params = resnet18().parameters();
  const n = params.reduce((s, p) => s + p.numel(), 0);
  const flat = torch.randn([n]);
  const flatMs: number[] = [];
  for (let i = 0; i < iters + 2; i++) {
    const t0 = now();
    await torch.distributed.allReduce(flat);
    if (i >= 2) flatMs.push(now() - t0);
  }
  // DDP's buckets, after the first iteration's rebuild: time syncGradients on filled gradients.
  const model = resnet18();
  const ddp = new nn.DistributedDataParallel(model);
  await ddp.ready;
  const ddpMs: number[] = [];
  for (let i = 0; i < iters + 2; i++) {
    for (const p of ddp.params) p.grad = torch.randnLike(p);
    await ddp.prepareForward();
    const t0 = now();
    await ddp.syncGradients();
    if (i >= 2) ddpMs.push(now() - t0);
    model.zeroGrad();
  }
  return { params: n, tensors: params.length, flatMs, ddpMs, buckets: ddp.bucketBytes().length };
}

async function train(size: number, bs: number, iters: number): Promise<Record<string, unknown>> {
  torch.manualSeed(0);
  const model = resnet18({ numClasses: 37 }).train();
  const ddp = world > 1 ? new nn.DistributedDataParallel(model) : null;
  await ddp?.ready;
  const local = bs / world;
  const x = torch.randn([local, 3, size, size]);
  const y = torch.randint(0, 37, [local]);
  const params = model.parameters();
  let bufs: Tensor[] | null = null;
  const stepMs: number[] = [];
  const syncMs: number[] = [];
  for (let i = 0; i < iters + 2; i++) {
    const t0 = now();
    await ddp?.prepareForward();
    const loss = torch.tidy(() => F.crossEntropy(model.call(x), y));
    loss.backward();
    loss.dispose();
    const t1 = now();
    await ddp?.syncGradients();
    const t2 = now();
    torch.noGrad(() => {
      const grads = params.map((p) => p.grad!);
      if (bufs === null) bufs = grads.map((g) => torch.keep(g.clone()));
      else {
        torch.foreach.mul_(bufs, 0.9);
        torch.foreach.add_(bufs, grads);
      }
      torch.foreach.add_(params, bufs, -1e-3);
      torch.dispose(grads);
    });
    model.zeroGrad();
    if (i >= 2) {
      stepMs.push(now() - t0);
      syncMs.push(t2 - t1);
    }
  }
  return { stepMs, syncMs, threads: torch.getNumThreads() };
}

const result = mode === 'allreduce' ? await allreduce(Number(args[0])) : await train(Number(args[0]), Number(args[1]), Number(args[2]));
if (rank === 0) console.log(JSON.stringify(result));
if (world > 1) await torch.distributed.destroyProcessGroup();
