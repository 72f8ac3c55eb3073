// The model of the interop test, as interop_rank.py defines it in Python (same state-dict names).
import { F, nn, torch, type Tensor } from '../../../../src/index.js';

export class Net extends nn.Module {
  conv = this.registerModule('conv', new nn.Conv2d(3, 8, 3, { padding: 1 }));
  bn = this.registerModule('bn', new nn.BatchNorm2d(8));
  pool = this.registerModule('pool', new nn.AdaptiveAvgPool2d(4));
  fc1 = this.registerModule('fc1', new nn.Linear(128, 2048));
  fc2 = this.registerModule('fc2', new nn.Linear(2048, 4));
  forward(x: Tensor): Tensor {
    return torch.tidy(() => this.fc2.call(F.relu(this.fc1.call(this.pool.call(F.relu(this.bn.call(this.conv.call(x)))).flatten(1)))));
  }
}
