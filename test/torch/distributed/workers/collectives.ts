// One rank of collectives.test.ts: every collective and the store on values that are
// functions of the rank (collective-values.ts). Prints one JSON line of results (int64 as
// strings); writes the all-reduced ResNet-18-sized tensors to `out` (rank 0).
import { resnet18, torch, type DType, type Tensor } from '../../../../src/index.js';
import { floats, longs, paramValues } from './collective-values.js';

const out = process.argv[2]!;
const dist = torch.distributed;
await dist.initProcessGroup({ timeoutMs: 60_000 });
const rank = dist.getRank();
const report: Record<string, unknown> = { rank, worldSize: dist.getWorldSize(), initialized: dist.isInitialized() };

const mine = (dtype: DType): Tensor => (dtype === 'int64' ? torch.tensor(BigInt64Array.from(longs(rank))) : torch.tensor(floats(rank), { dtype }));
const values = (t: Tensor): (number | string)[] => Array.from(t.toTypedArray() as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? String(v) : v));

for (const dtype of ['float32', 'float64', 'int64'] as const) {
  for (const op of ['sum', 'avg', 'max', 'min'] as const) {
    if (op === 'avg' && dtype === 'int64') continue;
    const t = mine(dtype);
    await dist.allReduce(t, { op });
    report[`allReduce/${op}/${dtype}`] = values(t);
    t.dispose();
  }
  for (const src of [0, 1]) {
    const t = mine(dtype);
    await dist.broadcast(t, { src });
    report[`broadcast/${src}/${dtype}`] = values(t);
    t.dispose();
  }
  const t = mine(dtype);
  const gathered = await dist.allGather(t);
  report[`allGather/${dtype}`] = gathered.map(values);
  report[`allGather/${dtype}/input`] = values(t);
  for (const g of [t, ...gathered]) g.dispose();
}

// 'avg' on integers is refused on every rank before anything is sent, so the group goes on.
const ints = mine('int64');
report.avgInt64 = await dist.allReduce(ints, { op: 'avg' }).then(() => 'resolved', (e: Error) => e.message);
report.avgInt64Untouched = values(ints);

// ResNet-18's 62 parameter tensors (11.7M floats), all-reduced as one list.
const shapes = resnet18().parameters().map((p) => p.shape);
const params = shapes.map((s, k) => paramValues(rank, k, s));
await dist.allReduce(params, { op: 'sum' });
if (rank === 0) torch.saveSafetensors(out, Object.fromEntries(params.map((p, k) => [`p${k}`, p])));

// The barrier holds every rank until all arrive: the last to arrive checks in late.
if (rank === dist.getWorldSize() - 1) await new Promise((r) => setTimeout(r, 500));
await dist.store.set(`arrived/${rank}`, '1');
await dist.barrier();
const arrived = await Promise.all(Array.from({ length: dist.getWorldSize() }, (_, r) => dist.store.check(`arrived/${r}`)));
report.barrierSawEveryone = arrived.every(Boolean);

// The store: get waits for another rank's set; add is atomic across ranks.
if (rank === 0) await dist.store.set('greeting', 'hello from rank 0');
report.greeting = await dist.store.get('greeting');
report.added = await dist.store.add('counter', rank + 1);
await dist.barrier();
report.counter = await dist.store.add('counter', 0);
report.checkUnset = await dist.store.check('never-set');

await dist.destroyProcessGroup();
report.initializedAfterDestroy = dist.isInitialized();
console.log(JSON.stringify(report));
