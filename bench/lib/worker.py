"""PyTorch side of the benchmarks: reads JSON requests on stdin, answers JSON lines on stdout.

Requests:
  {"cmd": "version"}
  {"cmd": "setup", "name": ..., "model": "resnet18", "batch": 32, "size": 64,
   "precision": "fp32" | "bf16", "mode": "train" | "eval", "channels_last": false}
  {"cmd": "time", "name": ..., "warmup": 2, "reps": 5}   -> {"seconds": median seconds per step}
"""
import json
import os
import statistics
import sys
import time

import torch
import torchvision

torch.set_num_threads(int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1)))
workloads = {}


def build(req):
    torch.manual_seed(0)
    model = getattr(torchvision.models, req["model"])(num_classes=req.get("classes", 1000))
    x = torch.randn(req["batch"], 3, req["size"], req["size"])
    y = torch.randint(0, req.get("classes", 1000), (req["batch"],))
    if req.get("channels_last"):
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    bf16 = req.get("precision") == "bf16"
    if req.get("mode", "train") == "eval":
        model.eval()

        def step():
            with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                model(x)
    else:
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

        def step():
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
    return step


def main():
    for line in sys.stdin:
        req = json.loads(line)
        try:
            if req["cmd"] == "version":
                out = {"version": torch.__version__, "threads": torch.get_num_threads()}
            elif req["cmd"] == "setup":
                workloads[req["name"]] = build(req)
                out = {"ok": True}
            elif req["cmd"] == "time":
                step = workloads[req["name"]]
                for _ in range(req.get("warmup", 2)):
                    step()
                times = []
                for _ in range(req.get("reps", 5)):
                    t0 = time.perf_counter()
                    step()
                    times.append(time.perf_counter() - t0)
                out = {"seconds": statistics.median(times)}
            else:
                out = {"error": "unknown command " + req["cmd"]}
        except Exception as e:  # report, keep serving
            out = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(out), flush=True)


main()
