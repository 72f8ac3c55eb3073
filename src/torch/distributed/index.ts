/**
 * `torch.distributed`: PyTorch's own distributed engine (c10d) from TypeScript: a process
 * group over Gloo (CPU) and its collectives, with PyTorch's names and torchrun's environment.
 *
 * The group is built exactly as Python's `init_process_group('gloo', init_method='env://')`
 * builds it (a `TCPStore`, then `PrefixStore("default_pg")` and `PrefixStore("0")` under it,
 * its store-based barrier, then `setSequenceNumberForGroup`), so fastai-ts ranks and Python
 * PyTorch ranks can be members of one group (docs/distributed.md: which versions).
 *
 * @example
 * // RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT come from `fastai-ts launch` or torchrun
 * await torch.distributed.initProcessGroup();
 * const t = torch.tensor([torch.distributed.getRank()]);
 * await torch.distributed.allReduce(t, { op: 'sum' });
 * @module
 */
import { emptyLike } from '../creation.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor.js';

/** The communication backends. `'gloo'` runs on the CPU; `'nccl'` needs a CUDA build with NCCL. */
export type Backend = 'gloo' | 'nccl';

/** Options of {@link initProcessGroup}; each defaults to torchrun's environment variable. */
export interface InitProcessGroupOptions {
  /** Default `'gloo'`. */
  backend?: Backend;
  /** This process's rank, 0 to worldSize - 1. Default `$RANK`. */
  rank?: number;
  /** Number of processes in the group. Default `$WORLD_SIZE`. */
  worldSize?: number;
  /** Address of rank 0, which hosts the store. Default `$MASTER_ADDR`, else `'127.0.0.1'`. */
  masterAddr?: string;
  /** Port of the store on masterAddr. Default `$MASTER_PORT`, else 29500 (PyTorch's). */
  masterPort?: number;
  /**
   * How long joining, every collective and every store wait may take before failing, in ms.
   * Default 1,800,000 (30 minutes, PyTorch's `default_pg_timeout`).
   */
  timeoutMs?: number;
}

/** The options of {@link allReduce}. */
export interface AllReduceOptions {
  /** How values combine across ranks. Default `'sum'`; `'avg'` needs floating-point tensors. */
  op?: 'sum' | 'avg' | 'max' | 'min' | 'product';
}

/** The options of {@link broadcast}. */
export interface BroadcastOptions {
  /** The rank whose values everyone receives. Default 0. */
  src?: number;
}

/** A collective or the store failed: a rank was lost, or the group timed out. */
export class DistributedError extends Error {
  /** The ranks found unresponsive (empty when none could be named). */
  readonly lostRanks: readonly number[];
  constructor(message: string, lostRanks: readonly number[], options?: ErrorOptions) {
    super(message, options);
    this.name = 'DistributedError';
    this.lostRanks = lostRanks;
  }
}

interface GroupState {
  rank: number;
  worldSize: number;
  localRank: number;
  backend: Backend;
  masterAddr: string;
  masterPort: number;
  timeoutMs: number;
  /** The first failure's diagnosis, shared by every collective that fails after it. */
  failure?: Promise<DistributedError>;
}

let state: GroupState | null = null;
let joining = false;

const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;
const FLOATING = new Set<string>(['float32', 'float64', 'float16', 'bfloat16']);

function envInt(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new RangeError(`initProcessGroup: $${name} must be an integer, got '${v}'`);
  return n;
}

function checkInt(what: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`initProcessGroup: ${what} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/**
 * Null when this build of the addon has the distributed engine (Gloo), else the reason
 * (with what to install).
 */
export function unavailableReason(): string | null {
  return native.distAvailable();
}

/** Whether torch.distributed can be used in this build (PyTorch's `is_available()`). */
export function isAvailable(): boolean {
  return native.distAvailable() === null;
}

/** Whether {@link initProcessGroup} has completed (and destroyProcessGroup not been called). */
export function isInitialized(): boolean {
  return state !== null;
}

/** This process's rank in the group; 0 when there is no group (one process). */
export function getRank(): number {
  return state?.rank ?? 0;
}

/** The number of processes in the group; 1 when there is no group. */
export function getWorldSize(): number {
  return state?.worldSize ?? 1;
}

/** This process's rank on its machine (`$LOCAL_RANK`, as torchrun sets it); 0 when unset. */
export function getLocalRank(): number {
  return state?.localRank ?? envInt('LOCAL_RANK') ?? 0;
}

/** The backend of the group (`'gloo'`), or null when there is none. */
export function getBackend(): Backend | null {
  return state?.backend ?? null;
}

/**
 * Joins the process group and resolves once every rank has joined (PyTorch's
 * `init_process_group`). Rank 0 hosts the store on masterAddr:masterPort; the others connect
 * to it, retrying until `timeoutMs`. The Gloo device binds to `$GLOO_SOCKET_IFNAME`'s
 * interfaces (comma-separated) when set, else to the address this host's name resolves to.
 * Under torchrun's agent store (`$TORCHELASTIC_USE_AGENT_STORE`), every rank is a client of
 * the agent's store, as in PyTorch.
 */
export async function initProcessGroup(options: InitProcessGroupOptions = {}): Promise<void> {
  const reason = native.distAvailable();
  if (reason !== null) throw new Error(`initProcessGroup: ${reason}`);
  if (state || joining) throw new Error('initProcessGroup: this process already joined a process group; call destroyProcessGroup() first');
  const backend = options.backend ?? 'gloo';
  if (backend === 'nccl') {
    throw new Error("initProcessGroup: backend 'nccl' needs libtorch built with CUDA and NCCL, and this addon has the Gloo backend only; use backend 'gloo' (it also works for CUDA tensors copied to the CPU)");
  }
  if (backend !== 'gloo') throw new Error(`initProcessGroup: backend must be 'gloo' or 'nccl', got ${String(backend)}`);
  const worldSize = options.worldSize ?? envInt('WORLD_SIZE');
  const rank = options.rank ?? envInt('RANK');
  if (worldSize === undefined || rank === undefined) {
    throw new Error(
      'initProcessGroup: rank and worldSize are not set: pass { rank, worldSize } or set RANK and WORLD_SIZE ' +
        '(`fastai-ts launch --nproc-per-node 2 -- <command>` and torchrun set them for every process)',
    );
  }
  checkInt('worldSize', worldSize, 1);
  checkInt('rank', rank, 0, worldSize - 1);
  const masterAddr = options.masterAddr ?? (process.env.MASTER_ADDR || '127.0.0.1');
  const masterPort = checkInt('masterPort', options.masterPort ?? envInt('MASTER_PORT') ?? 29500, 1, 65535);
  const timeoutMs = checkInt('timeoutMs', options.timeoutMs ?? DEFAULT_TIMEOUT_MS, 1);
  const agentStore = (process.env.TORCHELASTIC_USE_AGENT_STORE ?? '').toLowerCase() === 'true';
  const interfaces = (process.env.GLOO_SOCKET_IFNAME ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  joining = true;
  try {
    await native.distInit({
      rank, worldSize, host: masterAddr, port: masterPort,
      isServer: !agentStore && rank === 0,
      storePrefix: agentStore ? `/worker/attempt_${process.env.TORCHELASTIC_RESTART_COUNT ?? '0'}` : '',
      timeoutMs, interfaces,
    });
  } catch (e) {
    const where = rank === 0 && !agentStore ? `hosting the store on ${masterAddr}:${masterPort}` : `connecting to the store at ${masterAddr}:${masterPort}`;
    throw new DistributedError(
      `initProcessGroup: rank ${rank} of ${worldSize} could not join the group (${where}): ${(e as Error).message}. ` +
        'Check that every rank was started with the same WORLD_SIZE, MASTER_ADDR and MASTER_PORT, that the port is free on rank 0 and reachable from the others' +
        (interfaces.length ? `, and that GLOO_SOCKET_IFNAME=${interfaces.join(',')} names this machine's interfaces` : ''),
      [], { cause: e },
    );
  } finally {
    joining = false;
  }
  state = { rank, worldSize, localRank: envInt('LOCAL_RANK') ?? rank, backend, masterAddr, masterPort, timeoutMs };
}

/** Leaves the group (PyTorch's `destroy_process_group`); its threads are joined off the JavaScript thread. */
export async function destroyProcessGroup(): Promise<void> {
  if (!state) return;
  state = null;
  await native.distDestroy();
}

function group(what: string): GroupState {
  if (!state) throw new Error(`${what}: the process group is not initialized; await torch.distributed.initProcessGroup() first`);
  return state;
}

function asList(tensors: Tensor | readonly Tensor[]): readonly Tensor[] {
  return Array.isArray(tensors) ? (tensors as readonly Tensor[]) : [tensors as Tensor];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Which ranks are gone, asked through the store: every survivor checks in under one key and
 * waits a little for the others; those that never do are the lost ones. When the store itself
 * cannot be reached, its host (rank 0) is the one lost. One diagnosis per process: a group
 * that lost a rank cannot be used again.
 */
async function diagnose(g: GroupState, what: string, cause: Error): Promise<DistributedError> {
  const others = Array.from({ length: g.worldSize }, (_, r) => r).filter((r) => r !== g.rank);
  let lost: number[];
  let storeLost = false;
  try {
    await native.distStore('set', `alive/${g.rank}`, '1');
    const deadline = Date.now() + Math.min(3000, g.timeoutMs);
    for (;;) {
      const present = await Promise.all(others.map((r) => native.distStore('check', `alive/${r}`)));
      lost = others.filter((_, i) => !present[i]);
      if (lost.length === 0 || Date.now() > deadline) break;
      await sleep(100);
    }
  } catch {
    storeLost = true;
    lost = g.rank === 0 ? [] : [0];
  }
  const who = lost.length === 0 ? 'another rank' : lost.length === 1 ? `rank ${lost[0]}` : `ranks ${lost.join(', ')}`;
  const storeNote = storeLost ? ` (the store it hosts at ${g.masterAddr}:${g.masterPort} is unreachable too)` : '';
  return new DistributedError(
    `rank ${g.rank} of ${g.worldSize}: ${what} failed: lost contact with ${who}${storeNote}: ${cause.message}. ` +
      `${lost.length === 1 ? 'It' : 'They'} stopped responding (crashed, killed, out of memory, or the network failed); see ${lost.length === 1 ? 'its' : 'their'} own output. ` +
      'The group cannot continue: start every rank again (resume from a checkpoint saved with SaveModelCallback).',
    lost, { cause },
  );
}

async function collective(what: string, run: () => Promise<void>): Promise<void> {
  const g = group(what);
  const pending = run(); // enqueued now, on this thread, in program order
  try {
    await pending;
  } catch (e) {
    if (state !== g) throw e;
    g.failure ??= diagnose(g, what, e as Error);
    throw await g.failure;
  }
}

/**
 * Combines each tensor across ranks in place (PyTorch's `all_reduce`): afterwards every rank
 * holds the sum (or avg, max, min, product) of all ranks' values. Each tensor is reduced on
 * its own; for many small tensors, flatten them into one first (as DistributedDataParallel
 * does) to save round trips. Tensors must be contiguous and on the CPU, and must not be
 * changed or disposed until the Promise resolves.
 */
export function allReduce(tensors: Tensor | readonly Tensor[], options: AllReduceOptions = {}): Promise<void> {
  const list = asList(tensors);
  const op = options.op ?? 'sum';
  const integer = op === 'avg' ? list.find((t) => !FLOATING.has(t.dtype)) : undefined;
  if (integer) {
    return Promise.reject(new TypeError(`allReduce: op 'avg' needs floating-point tensors, got ${integer.dtype}; use op 'sum' and divide by getWorldSize() as you need`));
  }
  return collective('all-reduce', () => native.distAllReduce(list.map((t) => t._h), op));
}

/** Copies rank `src`'s values of each tensor into every rank's tensor, in place (PyTorch's `broadcast`). */
export async function broadcast(tensors: Tensor | readonly Tensor[], options: BroadcastOptions = {}): Promise<void> {
  const list = asList(tensors);
  const src = options.src ?? 0;
  const g = group('broadcast');
  if (!Number.isSafeInteger(src) || src < 0 || src >= g.worldSize) {
    throw new RangeError(`broadcast: src must be a rank from 0 to ${g.worldSize - 1}, got ${String(src)}`);
  }
  return collective('broadcast', () => native.distBroadcast(list.map((t) => t._h), src));
}

/**
 * Every rank's copy of `tensor` (same shape and dtype on every rank), indexed by rank
 * (PyTorch's `all_gather`). The caller owns the returned tensors.
 */
export async function allGather(tensor: Tensor): Promise<Tensor[]> {
  const g = group('allGather');
  const outputs = Array.from({ length: g.worldSize }, () => emptyLike(tensor));
  try {
    await collective('all-gather', () => native.distAllGather([tensor._h], outputs.map((t) => t._h)));
  } catch (e) {
    for (const t of outputs) t.dispose();
    throw e;
  }
  return outputs;
}

/** Resolves when every rank has called it (PyTorch's `barrier`). */
export function barrier(): Promise<void> {
  return collective('barrier', () => native.distBarrier());
}

/**
 * The group's key-value store (the `TCPStore` rank 0 hosts), under the prefix `fastai_ts/`:
 * for small values that ranks exchange outside collectives.
 */
export const store = {
  /** Sets `key` to `value`. */
  set: (key: string, value: string): Promise<void> => (group('store.set'), native.distStore('set', key, value)),
  /** The value of `key`, waiting for another rank to set it (up to the group's timeout). */
  get: (key: string): Promise<string> => (group('store.get'), native.distStore('get', key)),
  /** Adds `by` to the integer at `key` (0 when unset) and resolves to the new value. */
  add: (key: string, by: number): Promise<number> => (group('store.add'), native.distStore('add', key, by)),
  /** Whether `key` is set, without waiting. */
  check: (key: string): Promise<boolean> => (group('store.check'), native.distStore('check', key)),
};
