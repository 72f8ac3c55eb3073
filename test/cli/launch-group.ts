// A rank for launch.test.ts: joins the group from launch's environment alone and all-reduces
// rank + 1; prints one JSON line with its rank, the world size and the sum.
import { torch } from '../../src/index.js';

await torch.distributed.initProcessGroup({ timeoutMs: 60_000 });
const t = torch.tensor([torch.distributed.getRank() + 1], { dtype: 'float64' });
await torch.distributed.allReduce(t, { op: 'sum' });
console.log(JSON.stringify({ rank: torch.distributed.getRank(), worldSize: torch.distributed.getWorldSize(), localRank: torch.distributed.getLocalRank(), sum: t.item() }));
await torch.distributed.destroyProcessGroup();
