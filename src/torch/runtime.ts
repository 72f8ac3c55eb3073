/**
 * The engine's global settings: random seed, threads, devices, version and memory counters.
 * @module
 */
import { native } from './native.js';

/**
 * Seeds libtorch's global generators (CPU and every CUDA device), so random tensors, weight
 * initialisation, dropout and randperm-based shuffles repeat exactly. Same numbers as PyTorch's
 * `torch.manual_seed` for the same seed.
 */
export function manualSeed(seed: number | bigint): void {
  if (typeof seed === 'number' && (!Number.isInteger(seed) || seed < 0)) {
    throw new RangeError(`manualSeed(${seed}): the seed must be a non-negative integer`);
  }
  native.manualSeed(seed);
}

/** The seed the CPU generator was last seeded with. */
export function initialSeed(): bigint {
  return native.initialSeed();
}

/** Sets libtorch's intra-op thread count. Default at load: the number of cores (unless OMP_NUM_THREADS is set). */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads(${n}): need a positive integer`);
  native.setNumThreads(n);
}

/** libtorch's intra-op thread count (see {@link setNumThreads}). */
export function getNumThreads(): number {
  return native.getNumThreads();
}

/** CUDA, when this libtorch was built with it and a GPU is present. */
export const cuda = {
  isAvailable: (): boolean => native.cudaIsAvailable(),
  deviceCount: (): number => native.cudaDeviceCount(),
  /** Waits for all queued work on a device (default: the current one); a no-op without CUDA. */
  synchronize: (deviceIndex = -1): void => native.cudaSynchronize(deviceIndex),
};

/** The libtorch version the addon was built against, e.g. `'1.13.0'`. */
export function version(): string {
  return native.version();
}

/** libtorch's build configuration (compiler, BLAS, oneDNN, CPU capability). */
export function config(): string {
  return native.config();
}

/**
 * Live native memory, for leak checks. `liveTensors` is the number of live (undisposed) tensor
 * handles; `liveBytes` the bytes of the distinct storages they refer to, each storage counted
 * once however many handles share it, so views (`view`, `expand`, `select`, `narrow`, `detach`)
 * add nothing. A storage's bytes are released when its last handle is disposed.
 */
export function memory(): EngineMemory {
  return native.memory();
}

/** What {@link memory} reports. */
export interface EngineMemory {
  /** Live (undisposed) tensor handles. */
  liveTensors: number;
  /** Bytes of the distinct storages the live handles refer to. */
  liveBytes: number;
  /**
   * Bytes of freed large CPU blocks (1 MiB or more) kept for reuse by the engine's allocator:
   * the next step's tensors of those sizes take them without page faults or heap growth. At
   * most `cpuCacheLimitBytes`: the largest amount of large blocks ever live at once, plus
   * 256 MiB. 0 with `FASTAI_TS_MALLOC=system` (libtorch's own allocator).
   */
  cpuCachedBytes: number;
  cpuCacheLimitBytes: number;
}

/**
 * Returns the large CPU blocks the engine keeps for reuse to the system (see
 * {@link EngineMemory.cpuCachedBytes}), e.g. after training, before a long phase that needs
 * other memory. Later allocations map fresh blocks again.
 */
export function emptyCpuCache(): void {
  native.cpuCacheRelease();
}
