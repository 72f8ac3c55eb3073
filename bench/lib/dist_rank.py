"""One Python rank of bench/distributed: all-reduce of a flat float32 tensor of n elements with
torch.distributed (Gloo), ms per all-reduce. Usage: dist_rank.py allreduce <n> <iters>."""
import json
import sys
import time

import torch
import torch.distributed as dist

n, iters = int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(1)
dist.init_process_group("gloo", init_method="env://")
flat = torch.randn(n)
ms = []
for i in range(iters + 2):
    t0 = time.perf_counter()
    dist.all_reduce(flat)
    if i >= 2:
        ms.append((time.perf_counter() - t0) * 1000)
if dist.get_rank() == 0:
    print(json.dumps({"flatMs": ms, "torch": torch.__version__}))
dist.destroy_process_group()
