/** Terminal output: tables, durations, progress bars (only on a TTY), colours only when supported. */
import type { WriteStream } from 'node:tty';

export function duration(seconds: number): string {
  if (seconds < 1) return `${(seconds * 1000).toFixed(0)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - m * 60);
  if (m < 60) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** A plain-text table with right-aligned numeric columns. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) =>
    cells.every((r) => /^[-+]?[\d.,]+(%| s| ms|x)?$|^-$/.test(r[i] ?? '')),
  );
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** A single-line progress bar that redraws itself on a TTY and prints nothing elsewhere. */
export class ProgressBar {
  private readonly stream: WriteStream | NodeJS.WriteStream;
  private readonly enabled: boolean;
  private last = 0;

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.stream = stream;
    this.enabled = Boolean(stream.isTTY) && !process.env.CI;
  }

  update(label: string, done: number, total: number, suffix = ''): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (done < total && now - this.last < 80) return;
    this.last = now;
    const width = 28;
    const filled = Math.round((width * done) / Math.max(total, 1));
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    this.stream.write(
      `\r${label} [${bar}] ${done}/${total} ${suffix}`.slice(0, (this.stream.columns ?? 120) - 1),
    );
  }

  clear(): void {
    if (this.enabled) this.stream.write('\r\x1b[2K');
  }
}
