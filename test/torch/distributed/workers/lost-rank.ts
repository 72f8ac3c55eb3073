// One rank of lost-rank.test.ts: joins with the given timeout (ms), then all-reduces a
// gradient-sized tensor in a loop, printing "step k" after each, until a collective fails
// (the test kills one rank). As the CLI does, prints the error on stderr and exits with 1.
import { torch } from '../../../../src/index.js';

const timeoutMs = Number(process.argv[2]);
const dist = torch.distributed;
try {
  await dist.initProcessGroup({ timeoutMs });
  const grads = torch.ones([1 << 16]);
  for (let step = 1; step <= 100_000; step++) {
    await dist.allReduce(grads, { op: 'avg' });
    console.log(`step ${step}`);
    // Paced like training steps, so the output stays short until the kill.
    await new Promise((r) => setTimeout(r, 10));
  }
  console.error('fastai-ts: the loop ended without losing a rank');
  process.exit(2);
} catch (e) {
  const lost = e instanceof dist.DistributedError ? e.lostRanks : null;
  console.error(`fastai-ts: ${(e as Error).message}`);
  console.error(`lostRanks: ${JSON.stringify(lost)}`);
  process.exit(1);
}
