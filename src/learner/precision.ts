/**
 * What the CPU can do in reduced precision, said once per process.
 * @module
 */
import { torch } from '../torch/index.js';

const warned = new Set<string>();

/** Emits a warning with `code` only the first time in this process. */
export function warnOnce(code: string, message: string): void {
  if (warned.has(code)) return;
  warned.add(code);
  process.emitWarning(message, { code });
}

/**
 * Warns (once) when this CPU has no native bfloat16: libtorch then emulates it and bf16
 * training runs 10-25x slower than float32 (measured on an AVX2-only AMD EPYC).
 */
export function warnEmulatedBf16(): void {
  const cpu = torch.backends.cpu.cpuInfo();
  if (cpu.nativeBf16) return;
  const found = [cpu.avx512 && 'avx512f', cpu.avx2 && 'avx2'].filter(Boolean).join(', ') || 'no AVX2/AVX-512';
  warnOnce(
    'FASTAI_TS_BF16_EMULATED',
    `toBf16(): this CPU (${cpu.model}; ${found}) has no native bfloat16 (avx512_bf16 or amx_bf16), so libtorch emulates it ` +
      'and training will run about 10-25x slower than float32. Call learn.toFp32() to go back; bf16 pays off on CPUs with AVX512-BF16 or AMX (torch.backends.cpu.nativeBf16()).',
  );
}
