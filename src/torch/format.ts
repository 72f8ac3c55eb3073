/**
 * PyTorch's tensor printing (`tensor([[ 0.6734,  0.2576], ...], dtype=torch.float64)`):
 * four decimals, scientific notation for wide ranges, `1.` for integral floats, and
 * summarised with `...` above 1000 elements.
 * @module
 */
import type { Tensor } from './tensor.js';

const EDGE = 3;
const THRESHOLD = 1000;
const LINE_WIDTH = 80;

type Fmt = (v: number | boolean) => string;

function makeFormatter(values: number[], floating: boolean, isBool: boolean): { fmt: Fmt; width: number } {
  if (isBool) {
    return { fmt: (v) => (v ? 'True' : 'False'), width: values.some((v) => !v) ? 5 : 4 };
  }
  let fmt: Fmt;
  if (!floating) {
    fmt = (v) => String(v);
  } else {
    const finite = values.filter((v) => Number.isFinite(v));
    const nonzero = finite.map(Math.abs).filter((v) => v !== 0);
    const intMode = finite.every((v) => Number.isInteger(v));
    const max = nonzero.length ? Math.max(...nonzero) : 0;
    const min = nonzero.length ? Math.min(...nonzero) : 0;
    const special = (v: number): string | null => (Number.isNaN(v) ? 'nan' : !Number.isFinite(v) ? (v > 0 ? 'inf' : '-inf') : null);
    const sci = (v: number) => {
      const [m, e] = v.toExponential(4).split('e') as [string, string];
      const exp = Number(e);
      return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
    };
    if (intMode) {
      fmt = max > 1e8 ? (v) => special(v as number) ?? sci(v as number) : (v) => special(v as number) ?? `${(v as number).toFixed(0)}.`;
    } else if (nonzero.length && (max / min > 1000 || max > 1e8 || min < 1e-4)) {
      fmt = (v) => special(v as number) ?? sci(v as number);
    } else {
      fmt = (v) => special(v as number) ?? (v as number).toFixed(4);
    }
  }
  const width = values.reduce((w, v) => Math.max(w, fmt(v).length), 1);
  return { fmt, width };
}

/** Element values at the indices that will be printed (all, or the edges when summarising). */
function shownIndices(shape: number[], summarize: boolean): number[][] {
  const dims = shape.map((n) => {
    if (!summarize || n <= 2 * EDGE) return Array.from({ length: n }, (_, i) => i);
    return [...Array.from({ length: EDGE }, (_, i) => i), ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)];
  });
  return dims;
}

/** @internal A tensor printed as PyTorch prints it (`tensor([[0.6734, 0.2576], ...])`); what `Tensor.toString()` returns. */
export function formatTensor(t: Tensor): string {
  const shape = t.shape;
  const dtype = t.dtype;
  const numel = t.numel();
  const floating = t.isFloatingPoint();
  const summarize = numel > THRESHOLD;

  let flat: number[] = [];
  if (numel > 0) {
    const source = dtype === 'float16' || dtype === 'bfloat16' ? t.to('float32') : t;
    const arr = source.toTypedArray();
    flat = Array.from(arr as ArrayLike<number | bigint>, (v) => Number(v));
    if (source !== t) source.dispose();
  }
  const strides: number[] = [];
  for (let i = shape.length - 1, s = 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  const idx = shownIndices(shape, summarize);
  // The formatter sees only printed values, as PyTorch's does when summarising.
  const shown: number[] = [];
  const gather = (dim: number, offset: number): void => {
    if (dim === shape.length) {
      shown.push(flat[offset]!);
      return;
    }
    for (const i of idx[dim]!) gather(dim + 1, offset + i * strides[dim]!);
  };
  if (numel > 0) gather(0, 0);
  const { fmt, width } = makeFormatter(shown, floating, dtype === 'bool');
  const cell = (v: number) => fmt(dtype === 'bool' ? v !== 0 : v).padStart(width);

  const render = (dim: number, offset: number, indent: number): string => {
    if (dim === shape.length) return cell(flat[offset]!);
    const n = shape[dim]!;
    const parts: string[] = [];
    const cut = summarize && n > 2 * EDGE;
    for (const i of idx[dim]!) {
      if (cut && i === n - EDGE) parts.push('...');
      parts.push(render(dim + 1, offset + i * strides[dim]!, indent + 1));
    }
    if (dim === shape.length - 1) {
      // Wrap long rows at the line width, as PyTorch does.
      const perLine = Math.max(1, Math.floor((LINE_WIDTH - indent - 8) / (width + 2)));
      const lines: string[] = [];
      for (let i = 0; i < parts.length; i += perLine) lines.push(parts.slice(i, i + perLine).join(', '));
      return `[${lines.join(',\n' + ' '.repeat(indent + 8))}]`;
    }
    const sep = ',' + '\n'.repeat(shape.length - dim - 1) + ' '.repeat(indent + 8);
    return `[${parts.join(sep)}]`;
  };

  let body: string;
  if (numel === 0) body = '[]';
  else if (shape.length === 0) body = fmt(dtype === 'bool' ? flat[0] !== 0 : flat[0]!);
  else body = render(0, 0, 0);

  const suffix: string[] = [];
  if (numel === 0 && shape.length !== 1) suffix.push(`size=(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`);
  if (t.device !== 'cpu') suffix.push(`device='${t.device}'`);
  if (dtype !== 'float32' && dtype !== 'int64' && dtype !== 'bool') suffix.push(`dtype=torch.${dtype}`);
  const gradFn = t.gradFn;
  if (gradFn) suffix.push(`grad_fn=<${gradFn}>`);
  else if (t.requiresGrad) suffix.push('requires_grad=True');
  return `tensor(${body}${suffix.length ? ', ' + suffix.join(', ') : ''})`;
}
