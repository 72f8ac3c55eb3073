/**
 * Loads the native addon (libtorch behind Node-API) once, and types what it exports.
 * Nothing outside src/torch talks to it directly.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

declare const handleBrand: unique symbol;
/** An opaque reference to a native tensor. Only {@link Tensor} holds these. */
export interface Handle {
  readonly [handleBrand]: true;
}

/** The addon's exports (native/addon.cc). */
export interface NativeAddon {
  opLookup(name: string, overload: string): number;
  opCall(id: number, ...args: unknown[]): unknown;
  opCallVoid(id: number, ...args: unknown[]): void;
  opSchema(id: number): string;
  fromData(data: ArrayBufferView, shape: number[], srcDtype: number, dstDtype: number): Handle;
  toData(h: Handle): ArrayBuffer;
  dataView(h: Handle): ArrayBuffer;
  shape(h: Handle): number[];
  strides(h: Handle): number[];
  dtype(h: Handle): number;
  device(h: Handle): string;
  numel(h: Handle): number;
  dim(h: Handle): number;
  isContiguous(h: Handle): boolean;
  isChannelsLast(h: Handle): boolean;
  dataPtr(h: Handle): bigint;
  dispose(h: Handle): void;
  isDisposed(h: Handle): boolean;
  memory(): { liveTensors: number; liveBytes: number; cpuCachedBytes: number; cpuCacheLimitBytes: number };
  cpuCacheRelease(): void;
  backward(h: Handle, grad: Handle | null, retainGraph: boolean, createGraph: boolean): void;
  grad(h: Handle): Handle | null;
  setGrad(h: Handle, grad: Handle | null): void;
  requiresGrad(h: Handle): boolean;
  setRequiresGrad(h: Handle, on: boolean): void;
  isLeaf(h: Handle): boolean;
  gradFn(h: Handle): string | null;
  setGradEnabled(on: boolean): boolean;
  isGradEnabled(): boolean;
  autocastEnter(deviceType: string, dtype: number, enabled: boolean): [boolean, number];
  autocastExit(deviceType: string, prevEnabled: boolean, prevDtype: number): void;
  isAutocastEnabled(deviceType: string): boolean;
  manualSeed(seed: number | bigint): void;
  initialSeed(): bigint;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  cudaIsAvailable(): boolean;
  cudaDeviceCount(): number;
  cudaSynchronize(deviceIndex?: number): void;
  version(): string;
  config(): string;
  distAvailable(): string | null;
  distInit(options: {
    rank: number; worldSize: number; host: string; port: number; isServer: boolean;
    storePrefix: string; timeoutMs: number; interfaces: string[];
  }): Promise<void>;
  distDestroy(): Promise<void>;
  distAllReduce(tensors: Handle[], op: string): Promise<void>;
  distBroadcast(tensors: Handle[], src: number): Promise<void>;
  distAllGather(input: Handle[], outputs: Handle[]): Promise<void>;
  distBarrier(): Promise<void>;
  distStore(op: 'set', key: string, value: string): Promise<void>;
  distStore(op: 'get', key: string): Promise<string>;
  distStore(op: 'add', key: string, by: number): Promise<number>;
  distStore(op: 'check', key: string): Promise<boolean>;
}

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'fastai-ts') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('fastai-ts: cannot find the package root (package.json) above ' + import.meta.url);
    dir = up;
  }
}

function load(): NativeAddon {
  const path = join(packageRoot(), 'build', 'Release', 'fastai_ts.node');
  if (!existsSync(path)) {
    throw new Error(
      `fastai-ts: the native addon is not built (expected ${path}). ` +
        'Run `npm run build:native`; it needs libtorch (Debian/Ubuntu: `sudo apt-get install libtorch-dev cmake g++`, ' +
        'elsewhere `pip install torch` or set LIBTORCH to an unpacked libtorch archive).',
    );
  }
  const addon = createRequire(import.meta.url)(path) as NativeAddon;
  // libtorch defaults to one intra-op thread here although there are more cores (engine notes);
  // OMP_NUM_THREADS, when set, is the user's choice and libtorch already honours it.
  if (!process.env.OMP_NUM_THREADS) addon.setNumThreads(availableParallelism());
  return addon;
}

/** The loaded addon. */
export const native: NativeAddon = load();
