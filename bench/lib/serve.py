"""The persistent-worker protocol of the PyTorch side of the benches (see bench/lib/pytorch.ts):
one JSON line says ready, then each JSON line on stdin is a command answered by one JSON line."""
import json
import sys

import torch
import torchvision


def serve(run):
    print(json.dumps({'ready': True, 'torch': torch.__version__, 'torchvision': torchvision.__version__}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            out = run(json.loads(line))
        except Exception as e:  # report, keep serving
            out = {'error': f'{type(e).__name__}: {e}'}
        print(json.dumps(out), flush=True)
