"""One rank of a mixed group: PyTorch's own DistributedDataParallel beside a fastai-ts rank.

Usage: interop_rank.py <data.safetensors> <steps> <out.safetensors>; RANK, WORLD_SIZE,
MASTER_ADDR and MASTER_PORT come from the environment (init_method='env://').
Reads the initial weights and the batches from <data>, trains <steps> SGD-momentum steps on
its half of each batch and writes its final parameters to <out>.
"""
import json
import struct
import sys

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

DTYPES = {"F32": torch.float32, "I64": torch.int64, "F64": torch.float64}
CODES = {v: k for k, v in DTYPES.items()}


def load_safetensors(path):
    # The format is an 8-byte header length, a JSON header, then raw little-endian data; the
    # safetensors package is not a dependency here.
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + n])
    body = raw[8 + n :]
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        t = torch.frombuffer(bytearray(body[a:b]), dtype=DTYPES[v["dtype"]]) if b > a else torch.empty(0, dtype=DTYPES[v["dtype"]])
        out[k] = t.reshape(v["shape"]).clone()
    return out


def save_safetensors(path, tensors):
    header, chunks, at = {}, [], 0
    for k, t in tensors.items():
        data = t.detach().contiguous().numpy().tobytes()
        header[k] = {"dtype": CODES[t.dtype], "shape": list(t.shape), "data_offsets": [at, at + len(data)]}
        chunks.append(data)
        at += len(data)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.pool = nn.AdaptiveAvgPool2d(4)
        self.fc1 = nn.Linear(128, 2048)
        self.fc2 = nn.Linear(2048, 4)

    def forward(self, x):
        x = self.pool(F.relu(self.bn(self.conv(x)))).flatten(1)
        return self.fc2(F.relu(self.fc1(x)))


def main():
    data_path, steps, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    torch.set_num_threads(1)
    data = load_safetensors(data_path)
    dist.init_process_group("gloo", init_method="env://")
    rank, world = dist.get_rank(), dist.get_world_size()
    model = Net()
    if rank == 0:
        model.load_state_dict({k[len("init."):]: v for k, v in data.items() if k.startswith("init.")})
    ddp = nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for s in range(steps):
        x, y = data["x"][s], data["y"][s]
        n = x.shape[0] // world
        loss = F.cross_entropy(ddp(x[rank * n : (rank + 1) * n]), y[rank * n : (rank + 1) * n])
        opt.zero_grad()
        loss.backward()
        opt.step()
    save_safetensors(out, {k: v for k, v in model.named_parameters()})
    print(json.dumps({"rank": rank, "torch": torch.__version__}))
    dist.destroy_process_group()


main()
