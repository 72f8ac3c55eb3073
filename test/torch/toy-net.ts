/** A small conv net and a separable toy problem, shared by the training and memory tests. */
import { F, nn, type Tensor, torch } from '../../src/index.js';

export function smallConvNet(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 8, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.Conv2d(8, 16, 3, { stride: 2, padding: 1 }),
    new nn.ReLU(),
    new nn.AdaptiveAvgPool2d(1),
    new nn.Flatten(),
    new nn.Linear(16, 2),
  );
}

/** Class 0: left half bright; class 1: right half bright; plus noise. */
export function toyBatch(n: number): { x: Tensor; y: Tensor } {
  return torch.tidy(() => {
    const y = torch.randint(0, 2, [n]);
    const cols = torch.arange(8).view(1, 1, 1, 8);
    const left = cols.lt(4).float();
    const pattern = torch.where(y.view(n, 1, 1, 1).eq(0), left, left.rsub(1)).expand(n, 1, 8, 8);
    const x = pattern.add(torch.randn([n, 1, 8, 8]).mul(0.3));
    return { x, y };
  });
}

/** One SGD step; returns the loss value. Every intermediate tensor is freed. */
export function sgdStep(model: nn.Module, x: Tensor, y: Tensor, lr: number): number {
  return torch.tidy(() => {
    const loss = F.crossEntropy(model.call(x), y);
    loss.backward();
    torch.noGrad(() => {
      for (const p of model.parameters()) {
        const g = p.grad!;
        p.add_(g, -lr);
        p.grad = null;
      }
    });
    return loss.item();
  });
}
