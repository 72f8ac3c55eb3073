"""PIL + torchvision baseline for bench/data.ts: the same work as the TypeScript pipeline.

Reads one JSON command from argv[1] and prints one JSON line of results.
- item: open each photo with PIL, convert to RGB, fastai's Resize(460) crop at a random
  position (PIL crop + bilinear resize, as fastai's crop_pad), PILToTensor. One process, as
  many images in sequence.
- aug: for uint8 batches [bs, 3, 460, 460]: to float / 255, per-item random affine matrices,
  one affine_grid + grid_sample to 224 (reflection, align_corners), brightness/contrast in
  logit space; what fastai's batch augmentation does on the engine.
"""
import json, math, random, sys, time

import torch
import torch.nn.functional as F
import torchvision
from PIL import Image
from torchvision.transforms.functional import pil_to_tensor


def item(files, size):
    t = time.perf_counter()
    for f in files:
        img = Image.open(f).convert('RGB')
        w, h = img.size
        m = min(w / size, h / size)
        cw, ch = int(m * size), int(m * size)
        l, tp = int(random.random() * (w - cw)), int(random.random() * (h - ch))
        img = img.crop((l, tp, l + cw, tp + ch)).resize((size, size), Image.BILINEAR)
        x = pil_to_tensor(img)
    return time.perf_counter() - t


def aug(bs, insize, size, batches, min_scale):
    torch.manual_seed(0)
    x8 = torch.randint(0, 256, (bs, 3, insize, insize), dtype=torch.uint8)
    def once():
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
    once()
    t = time.perf_counter()
    for _ in range(batches):
        once()
    return time.perf_counter() - t


cmd = json.loads(sys.argv[1])
torch.set_num_threads(cmd.get('threads', 1))
random.seed(0)
out = {'torch': torch.__version__, 'torchvision': torchvision.__version__}
if cmd['what'] == 'item':
    out['secs'] = item(cmd['files'], cmd['size'])
else:
    out['secs'] = aug(cmd['bs'], cmd['insize'], cmd['size'], cmd['batches'], cmd['min_scale'])
print(json.dumps(out))
