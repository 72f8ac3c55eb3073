/**
 * Central finite differences against autograd, in float64 (PyTorch's gradcheck idea).
 */
import { type Tensor, torch } from '../../src/index.js';
import { assertClose } from '../helpers.js';

/**
 * Checks d(sum(fn(inputs) * w))/d(input) from autograd against central differences for every
 * element of every input that requires grad. `w` is a fixed random weighting, so every output
 * element contributes with a different factor.
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], { eps = 1e-6, atol = 1e-5, rtol = 1e-4 } = {}): void {
  torch.tidy(() => {
    const probe = torch.noGrad(() => fn(...inputs));
    const w = torch.randnLike(probe, { dtype: 'float64' });
    const objective = () => torch.tidy(() => fn(...inputs).mul(w).sum());
    for (const x of inputs) x.grad = null;
    objective().backward();
    for (const [k, x] of inputs.entries()) {
      if (!x.requiresGrad) continue;
      const analytic = x.grad!.toTypedArray() as Float64Array;
      const data = x.detach().dataView() as Float64Array; // perturb the input's own memory
      const numeric = new Float64Array(data.length);
      torch.noGrad(() => {
        for (let i = 0; i < data.length; i++) {
          const orig = data[i]!;
          data[i] = orig + eps;
          const plus = objective().item();
          data[i] = orig - eps;
          const minus = objective().item();
          data[i] = orig;
          numeric[i] = (plus - minus) / (2 * eps);
        }
      });
      assertClose(analytic, numeric, { atol, rtol, message: `gradient of input ${k}` });
    }
  });
}
