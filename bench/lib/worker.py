"""PyTorch side of the benchmarks (bench/lib/pytorch.ts starts it): reads one JSON command per
line on stdin, answers one JSON line on stdout. Same models, batch, step and timing as the
TypeScript side, so the ratio compares the engines, not the workloads.

Command: {model, dtype: float32|bfloat16, mode: forward|train, bs, size, warmup, iters, threads,
          channels_last?: bool, momentum?: float (SGD momentum; default 0, plain SGD), lr?: float}
Reply:   {secs, ips} or {error}"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

from serve import serve


class Conv2dSame(nn.Conv2d):
    """TensorFlow "same" padding, as src/vision/models/conv2d-same.ts."""

    def forward(self, x):
        h, w = x.shape[-2:]
        kh, kw = self.kernel_size
        sh, sw = self.stride
        ph = max((math.ceil(h / sh) - 1) * sh + kh - h, 0)
        pw = max((math.ceil(w / sw) - 1) * sw + kw - w, 0)
        if ph % 2 == 0 and pw % 2 == 0:
            return F.conv2d(x, self.weight, self.bias, self.stride, (ph // 2, pw // 2), 1, self.groups)
        x = F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2])
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, 1, self.groups)


class ReLU6(nn.Module):
    """clamp, as src/vision/models/mobilenet-v1.ts: hardtanh has no bf16 backward on CPU in 1.13."""

    def forward(self, x):
        return x.clamp(0, 6)


def mobilenet_v1(alpha, num_classes=1000):
    ch = lambda c: int(c * alpha)
    layers = [Conv2dSame(3, ch(32), 3, 2, bias=False), nn.BatchNorm2d(ch(32), eps=1e-3), ReLU6()]
    c = ch(32)
    for s, o in zip([1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1], [64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024]):
        o = ch(o)
        layers += [Conv2dSame(c, c, 3, s, groups=c, bias=False), nn.BatchNorm2d(c, eps=1e-3), ReLU6(),
                   nn.Conv2d(c, o, 1, bias=False), nn.BatchNorm2d(o, eps=1e-3), ReLU6()]
        c = o
    layers += [nn.AdaptiveAvgPool2d(1), nn.Dropout(1e-3), nn.Conv2d(c, num_classes, 1), nn.Flatten()]
    return nn.Sequential(*layers)


def build(name):
    if name.startswith('mobilenet_v1_'):
        return mobilenet_v1(float(name.rsplit('_', 1)[1]))
    return getattr(torchvision.models, name)()


models = {}
momentum_buffers = {}


def run(cmd):
    torch.set_num_threads(cmd['threads'])
    name, bs, size = cmd['model'], cmd['bs'], cmd['size']
    channels_last = cmd.get('channels_last', False)
    key = (name, channels_last)
    if key not in models:
        torch.manual_seed(0)
        models[key] = build(name)
        if channels_last:
            models[key] = models[key].to(memory_format=torch.channels_last)
    model = models[key]
    x = torch.randn(bs, 3, size, size)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 1000, (bs,))
    bf16 = cmd['dtype'] == 'bfloat16'
    lr = cmd.get('lr', 1e-3)
    momentum = cmd.get('momentum', 0)
    # SGD with momentum as torch.optim.SGD does it (buf = m*buf + g; p -= lr*buf), kept per model.
    bufs = momentum_buffers.setdefault(key, {})

    def forward():
        model.eval()
        with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
            model(x)

    def train_step():
        model.train()
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
            loss = F.cross_entropy(model(x), y)
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                g = p.grad
                if momentum:
                    buf = bufs.get(p)
                    if buf is None:
                        buf = bufs[p] = g.clone()
                    else:
                        buf.mul_(momentum).add_(g)
                    g = buf
                p.sub_(g, alpha=lr)
                p.grad = None

    step = forward if cmd['mode'] == 'forward' else train_step
    for _ in range(cmd['warmup']):
        step()
    t0 = time.perf_counter()
    for _ in range(cmd['iters']):
        step()
    secs = (time.perf_counter() - t0) / cmd['iters']
    return {'secs': secs, 'ips': bs / secs}


serve(run)
