/**
 * Advice for an engine allocation failure during training.
 * @module
 */

/**
 * When `e` is the engine's out-of-memory error (`code: 'ERR_OUT_OF_MEMORY'`), adds what helps
 * while training: a smaller batch, gradient accumulation to keep the effective batch, mixed
 * precision. Other errors pass through unchanged.
 */
export function addOomAdvice(e: unknown): unknown {
  if (!(e instanceof Error) || (e as { code?: unknown }).code !== 'ERR_OUT_OF_MEMORY') return e;
  if (e.message.includes('GradientAccumulation')) return e;
  e.message +=
    '\nWhile training, what helps: a smaller batch (bs in dataloaders()), with ' +
    'GradientAccumulation({ nAcc: <the old bs> }) in cbs to keep the effective batch size, ' +
    'or mixed precision (learn.toBf16() on a CPU with native bf16, learn.toFp16() on a GPU).';
  return e;
}
