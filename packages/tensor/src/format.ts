/** Printing tensors the way PyTorch does: `tensor([[1.0000, 2.5000], ...], requires_grad=True)`. */
import type { Tensor } from './tensor.js';

const SUMMARIZE_THRESHOLD = 1000;
const EDGE_ITEMS = 3;

function formatter(values: ArrayLike<number>, dtype: string): (v: number) => string {
  if (dtype === 'bool') return (v) => (v ? 'True' : 'False');
  if (dtype === 'int32') return (v) => String(v);
  let allIntegral = true;
  let maxAbs = 0;
  let minAbs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (!Number.isInteger(v)) allIntegral = false;
    const a = Math.abs(v);
    if (a > maxAbs) maxAbs = a;
    if (a !== 0 && a < minAbs) minAbs = a;
  }
  const special = (v: number) => (Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf');
  if (
    maxAbs >= 1e8 ||
    (minAbs < 1e-4 && !allIntegral) ||
    (maxAbs / minAbs > 1000 && !allIntegral && maxAbs > 1000)
  ) {
    return (v) => (Number.isFinite(v) ? v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2') : special(v));
  }
  if (allIntegral) return (v) => (Number.isFinite(v) ? `${v}.` : special(v));
  return (v) => (Number.isFinite(v) ? v.toFixed(4) : special(v));
}

export function formatTensor(t: Tensor): string {
  const values = t.dataSync();
  const numel = values.length;
  const summarize = numel > SUMMARIZE_THRESHOLD;
  const fmt = formatter(values, t.dtype);
  let width = 0;
  for (let i = 0; i < numel; i++) width = Math.max(width, fmt(values[i]!).length);
  const cell = (i: number) => fmt(values[i]!).padStart(width);
  const shape = t.shape;
  const prefix = 'tensor(';

  const render = (dim: number, offset: number, indent: number): string => {
    if (dim === shape.length) return cell(offset);
    const n = shape[dim]!;
    let stride = 1;
    for (let d = dim + 1; d < shape.length; d++) stride *= shape[d]!;
    const indices: (number | null)[] = [];
    if (summarize && n > 2 * EDGE_ITEMS) {
      for (let i = 0; i < EDGE_ITEMS; i++) indices.push(i);
      indices.push(null);
      for (let i = n - EDGE_ITEMS; i < n; i++) indices.push(i);
    } else for (let i = 0; i < n; i++) indices.push(i);
    const parts = indices.map((i) => (i === null ? '...' : render(dim + 1, offset + i * stride, indent + 1)));
    if (dim === shape.length - 1) return `[${parts.join(', ')}]`;
    const newlines = '\n'.repeat(shape.length - dim - 1);
    return `[${parts.join(`,${newlines}${' '.repeat(indent + 1)}`)}]`;
  };

  const body = numel === 0 ? `[]` : render(0, 0, prefix.length);
  const suffix: string[] = [];
  if (numel === 0 && shape.length > 1) suffix.push(`size=(${shape.join(', ')})`);
  if (t.dtype === 'float64') suffix.push(`dtype=${t.dtype}`);
  if (t.device !== 'cpu') suffix.push(`device='${t.device}'`);
  if (t.gradFn) suffix.push(`grad_fn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) suffix.push('requires_grad=True');
  return `${prefix}${body}${suffix.length ? `, ${suffix.join(', ')}` : ''})`;
}
