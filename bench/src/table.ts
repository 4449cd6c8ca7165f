/**
 * Result rows and their rendering: a plain-text table with nndl beside each peer and the ratio of speeds, or JSON.
 */

/** How a figure reads: a rate (higher is better) or a time per iteration (lower is better). */
export type Unit = 'GFLOP/s' | 'ms' | 'us';

export interface Row {
  /** The section that produced the row, e.g. 'matmul', 'conv2d', 'overhead'. */
  section: string;
  /** What was measured, e.g. 'float32 256x256 @ 256x256'. */
  name: string;
  unit: Unit;
  /** The figure per runner name (nndl, tfjs-cpu, tfjs-wasm); null where a runner could not run the case. */
  values: Record<string, number | null>;
  /** Remarks printed under the table, e.g. that a kernel rather than the public API was timed. */
  notes?: string[];
}

export function higherIsBetter(unit: Unit): boolean {
  return unit === 'GFLOP/s';
}

/** nndl speed / peer speed: above 1 means nndl is faster, whatever the unit. */
export function speedRatio(unit: Unit, nndl: number | null, peer: number | null): number | null {
  if (nndl === null || peer === null || nndl <= 0 || peer <= 0) return null;
  return higherIsBetter(unit) ? nndl / peer : peer / nndl;
}

function formatValue(value: number | null): string {
  if (value === null) return '-';
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function formatRatio(ratio: number | null): string {
  if (ratio === null) return '-';
  return ratio >= 10 ? `${ratio.toFixed(0)}x` : `${ratio.toFixed(2)}x`;
}

/**
 * Render rows as an aligned text table: one column per runner, then one ratio column per peer
 * (`nndl / peer`, in speed, so > 1 means nndl is faster). Notes follow the table, numbered.
 */
export function renderTable(rows: readonly Row[], runners: readonly string[], reference = 'nndl'): string {
  const peers = runners.filter((r) => r !== reference);
  const header = ['section', 'case', 'unit', ...runners, ...peers.map((p) => `${reference}/${p}`)];
  const notes: string[] = [];
  const body = rows.map((row) => {
    let name = row.name;
    const marks: number[] = [];
    for (const note of row.notes ?? []) {
      let index = notes.indexOf(note);
      if (index < 0) index = notes.push(note) - 1;
      marks.push(index + 1);
    }
    if (marks.length > 0) name += ` [${marks.join(',')}]`;
    const reference_ = row.values[reference] ?? null;
    return [
      row.section,
      name,
      row.unit,
      ...runners.map((r) => formatValue(row.values[r] ?? null)),
      ...peers.map((p) => formatRatio(speedRatio(row.unit, reference_, row.values[p] ?? null))),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((line) => line[i]!.length)));
  // Text columns align left, figures right.
  const textColumns = 2;
  const renderLine = (cells: string[]) =>
    cells
      .map((cell, i) => (i < textColumns ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const lines = [renderLine(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  let previousSection = '';
  for (const line of body) {
    if (previousSection && line[0] !== previousSection) lines.push('');
    previousSection = line[0]!;
    lines.push(renderLine(line));
  }
  if (notes.length > 0) {
    lines.push('');
    notes.forEach((note, i) => {
      lines.push(`[${i + 1}] ${note}`);
    });
  }
  return lines.join('\n');
}
