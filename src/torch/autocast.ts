/**
 * Automatic mixed precision: inside autocast, matmuls and convolutions run in a reduced
 * precision (bfloat16 on the CPU, float16 on CUDA) while precision-sensitive ops stay float32.
 * @module
 */
import { type DType, dtypeCode } from './dtype.js';
import { native } from './native.js';

/** Options for {@link autocast}. */
export interface AutocastOptions {
  /** `'cpu'` or `'cuda'`. Default: `'cpu'`. */
  deviceType?: 'cpu' | 'cuda';
  /** Reduced precision to use. Default: bfloat16 on the CPU, float16 on CUDA. */
  dtype?: Extract<DType, 'bfloat16' | 'float16'>;
  /** Set false to run `fn` with autocast off (e.g. a float32 island inside an autocast region). Default: true. */
  enabled?: boolean;
}

/**
 * Runs `fn` with libtorch's autocast on, restoring the previous state afterwards.
 * `fn` must be synchronous (autocast state is per thread and global to the call).
 *
 * @example
 * const loss = torch.autocast({ deviceType: 'cpu', dtype: 'bfloat16' }, () => F.crossEntropy(model.call(x), y));
 */
export function autocast<T>(options: AutocastOptions, fn: () => T): T {
  const deviceType = options.deviceType ?? 'cpu';
  const dtype = options.dtype ?? (deviceType === 'cpu' ? 'bfloat16' : 'float16');
  const [prevEnabled, prevDtype] = native.autocastEnter(deviceType, dtypeCode(dtype), options.enabled ?? true);
  try {
    const out = fn();
    if (out instanceof Promise) throw new TypeError('autocast() takes a synchronous function');
    return out;
  } finally {
    native.autocastExit(deviceType, prevEnabled, prevDtype);
  }
}

/** Whether autocast is on for `deviceType` (default `'cpu'`) right now, e.g. inside {@link autocast}. */
export function isAutocastEnabled(deviceType: 'cpu' | 'cuda' = 'cpu'): boolean {
  return native.isAutocastEnabled(deviceType);
}
