"""PyTorch side of bench/optimizer.ts: torch.optim.AdamW(foreach=True) over parameters of the
shapes it is sent (ResNet-34's), with fastai's Adam hyper-parameters, random gradients.

Command: {shapes: [[...], ...], groups: [n0, n1, ...], warmup, iters, threads}
         -> {secs} (seconds per step, mean over iters)
         {check: {p: [...], g: [[...], ...]}, lr, wd} -> {p} (p after one AdamW step per gradient)"""
import time

import torch

from serve import serve

HYPERS = dict(betas=(0.9, 0.99), eps=1e-5)


def groups_of(params, sizes):
    out, i = [], 0
    for n in sizes:
        out.append({'params': params[i:i + n]})
        i += n
    return out


def run(cmd):
    torch.set_num_threads(cmd.get('threads', torch.get_num_threads()))
    if 'check' in cmd:
        p = torch.tensor(cmd['check']['p'], dtype=torch.float64, requires_grad=True)
        opt = torch.optim.AdamW([p], lr=cmd['lr'], weight_decay=cmd['wd'], foreach=True, **HYPERS)
        for g in cmd['check']['g']:
            p.grad = torch.tensor(g, dtype=torch.float64)
            opt.step()
        return {'p': p.detach().tolist()}
    torch.manual_seed(0)
    params = [torch.randn(s, requires_grad=True) for s in cmd['shapes']]
    for p in params:
        p.grad = torch.randn(p.shape)
    opt = torch.optim.AdamW(groups_of(params, cmd['groups']), lr=1e-3, weight_decay=0.01, foreach=True, **HYPERS)
    for _ in range(cmd['warmup']):
        opt.step()
    t0 = time.perf_counter()
    for _ in range(cmd['iters']):
        opt.step()
    return {'secs': (time.perf_counter() - t0) / cmd['iters']}


if __name__ == '__main__':
    serve(run)
