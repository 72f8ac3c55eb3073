"""PIL + PyTorch baseline for bench/data.ts: the same work as the TypeScript pipeline.

With a JSON command in argv[1]: runs it and prints one JSON line. Without: serves one JSON
command per line on stdin, one JSON line per answer on stdout (bench/data.ts alternates its runs
with this process's, so machine noise hits both alike).
- item: open each photo with PIL, convert to RGB, fastai's Resize(460) crop at a random
  position (PIL crop + bilinear resize, as fastai's crop_pad), PILToTensor. One process, as
  many images in sequence.
- loader: a torch.utils.data.DataLoader (num_workers workers, persistent, batch bs, default
  collate) over the files, each item as `item`; with aug, each batch then goes through `aug`'s
  augmentation in the main process. Times `epochs` epochs after a warm-up epoch.
- aug: for uint8 batches [bs, 3, 460, 460]: to float / 255, per-item random affine matrices,
  one affine_grid + grid_sample to 224 (reflection, align_corners), brightness/contrast in
  logit space; what fastai's batch augmentation does on the engine.
"""
import json, math, os, random, sys, time

import torch
import torch.nn.functional as F
import torchvision
from PIL import Image
from torchvision.transforms.functional import pil_to_tensor


def load(f, size, rnd=random):
    img = Image.open(f).convert('RGB')
    w, h = img.size
    m = min(w / size, h / size)
    cw, ch = int(m * size), int(m * size)
    l, tp = int(rnd.random() * (w - cw)), int(rnd.random() * (h - ch))
    return pil_to_tensor(img.crop((l, tp, l + cw, tp + ch)).resize((size, size), Image.BILINEAR))


def item(files, size):
    t = time.perf_counter()
    for f in files:
        load(f, size)
    return time.perf_counter() - t


def augment(x8, size, min_scale):
    bs = x8.shape[0]
    x = x8.float() / 255
    th = torch.empty(bs).uniform_(-10, 10) * math.pi / 180
    s = torch.empty(bs).uniform_(min_scale, 1).sqrt()
    theta = torch.zeros(bs, 2, 3)
    theta[:, 0, 0] = th.cos() * s; theta[:, 0, 1] = th.sin() * s
    theta[:, 1, 0] = -th.sin() * s; theta[:, 1, 1] = th.cos() * s
    theta[:, :, 2] = torch.empty(bs, 2).uniform_(-0.1, 0.1)
    grid = F.affine_grid(theta, (bs, 3, size, size), align_corners=True)
    y = F.grid_sample(x, grid, mode='bilinear', padding_mode='reflection', align_corners=True)
    b = torch.empty(bs, 1, 1, 1).uniform_(0.4, 0.6)
    c = torch.empty(bs, 1, 1, 1).uniform_(math.log(0.8), -math.log(0.8)).exp()
    z = y.clamp(1e-7, 1 - 1e-7)
    return torch.sigmoid(((z / (1 - z)).log() + (b / (1 - b)).log()) * c)


def aug(bs, insize, size, batches, min_scale):
    torch.manual_seed(0)
    x8 = torch.randint(0, 256, (bs, 3, insize, insize), dtype=torch.uint8)
    augment(x8, size, min_scale)
    t = time.perf_counter()
    for _ in range(batches):
        augment(x8, size, min_scale)
    return time.perf_counter() - t


class Files(torch.utils.data.Dataset):
    def __init__(self, files, size):
        self.files, self.size = files, size

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        return load(self.files[i], self.size)


loaders = {}


def loader(cmd):
    key = (tuple(cmd['files']), cmd['size'], cmd['bs'], cmd['workers'])
    if key not in loaders:
        loaders[key] = torch.utils.data.DataLoader(
            Files(cmd['files'], cmd['size']), batch_size=cmd['bs'], shuffle=True, num_workers=cmd['workers'],
            persistent_workers=cmd['workers'] > 0, drop_last=True)
    dl = loaders[key]

    def epoch():
        n = 0
        for x in dl:
            if cmd.get('aug'):
                augment(x, cmd['aug_size'], cmd['min_scale']).sum().item()
            n += x.shape[0]
        return n

    epoch()  # warm-up: starts the workers
    t = time.perf_counter()
    n = sum(epoch() for _ in range(cmd['epochs']))
    return {'secs': time.perf_counter() - t, 'images': n}


def run(cmd):
    torch.set_num_threads(cmd.get('threads', 1))
    random.seed(0)
    out = {'torch': torch.__version__, 'torchvision': torchvision.__version__}
    if cmd['what'] == 'item':
        out['secs'] = item(cmd['files'], cmd['size'])
    elif cmd['what'] == 'loader':
        out.update(loader(cmd))
    else:
        out['secs'] = aug(cmd['bs'], cmd['insize'], cmd['size'], cmd['batches'], cmd['min_scale'])
    return out


if __name__ == '__main__':
    if len(sys.argv) > 1:
        print(json.dumps(run(json.loads(sys.argv[1]))))
    else:
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'lib'))
        from serve import serve
        serve(run)
