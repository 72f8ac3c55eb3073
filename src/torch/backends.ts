/**
 * What the CPU offers the engine, as `torch.backends.cpu`: scripts ask `nativeBf16()` before
 * choosing bfloat16, because libtorch emulates bf16 on CPUs without AVX512-BF16/AMX and it then
 * runs 10-25x slower than float32 (docs/engine.md).
 *
 * Read from `/proc/cpuinfo` (Linux). Elsewhere there is no portable source for the x86 feature
 * flags (macOS and Windows expose them through sysctl/cpuid, which Node does not): there the
 * model comes from `os.cpus()`, `flags` is empty and every feature reads false, so bf16 is never
 * chosen on a guess.
 * @module
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** The CPU as the engine sees it. */
export interface CpuInfo {
  /** Model name, e.g. `'AMD EPYC 7B13'` (`'unknown CPU'` when none is reported). */
  readonly model: string;
  /** Feature flags of the first processor, as `/proc/cpuinfo` lists them (`'avx2'`, `'avx512_bf16'`, ...). */
  readonly flags: readonly string[];
  /** True when bf16 matrix maths is native: `avx512_bf16` or `amx_bf16`. */
  readonly nativeBf16: boolean;
  /** Intel AMX tiles (`amx_tile`). */
  readonly amx: boolean;
  /** AVX-512 foundation (`avx512f`). */
  readonly avx512: boolean;
  /** AVX2 (`avx2`). */
  readonly avx2: boolean;
}

function fromFlags(model: string, flags: readonly string[]): CpuInfo {
  const has = new Set(flags);
  return {
    model,
    flags,
    nativeBf16: has.has('avx512_bf16') || has.has('amx_bf16'),
    amx: has.has('amx_tile'),
    avx512: has.has('avx512f'),
    avx2: has.has('avx2'),
  };
}

/**
 * Parses the text of `/proc/cpuinfo`: the `model name` and `flags` of the first processor
 * (x86). On ARM the `Features` line stands in for `flags`; none of the x86 features then match.
 */
export function parseCpuInfo(text: string): CpuInfo {
  const first = text.split(/\n\s*\n/)[0] ?? '';
  const field = (name: string): string | undefined => {
    for (const line of first.split('\n')) {
      const colon = line.indexOf(':');
      if (colon > 0 && line.slice(0, colon).trim() === name) return line.slice(colon + 1).trim();
    }
    return undefined;
  };
  const flags = (field('flags') ?? field('Features') ?? '').split(/\s+/).filter(Boolean);
  return fromFlags(field('model name') ?? 'unknown CPU', flags);
}

let cached: CpuInfo | undefined;

/** This machine's CPU: read once from `/proc/cpuinfo` and cached (see the module notes for other systems). */
export function cpuInfo(): CpuInfo {
  if (cached === undefined) {
    let text: string | undefined;
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      // Not Linux (or /proc not mounted): no flags to read.
    }
    const parsed = parseCpuInfo(text ?? '');
    // ARM kernels print no model name; os.cpus() may still know one.
    const model = parsed.model !== 'unknown CPU' ? parsed.model : cpus()[0]?.model.trim() || 'unknown CPU';
    cached = Object.freeze(fromFlags(model, Object.freeze([...parsed.flags])));
  }
  return cached;
}

/**
 * Whether this CPU does bf16 natively (flags `avx512_bf16` or `amx_bf16` in `/proc/cpuinfo`).
 * False where the flags cannot be read (non-Linux), so callers stay on float32.
 */
export function nativeBf16(): boolean {
  return cpuInfo().nativeBf16;
}

/** `torch.backends`: `torch.backends.cpu.nativeBf16()`, `torch.backends.cpu.cpuInfo()`. */
export const backends = {
  cpu: { nativeBf16, cpuInfo, parseCpuInfo },
} as const;
