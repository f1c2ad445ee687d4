/** Percentiles and plain-text tables for `npm run bench`. */
import os from "node:os";

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when there are none. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export function median(samples: number[]): number {
  return percentile(samples, 50);
}

/** Milliseconds with `decimals` places (0 for figures from Date.now(), which has 1 ms resolution). */
export function ms(value: number, decimals = value < 10 ? 2 : 1): string {
  return `${value.toFixed(decimals)} ms`;
}

/** value / baseline, with two decimals below 10 (a target such as 1.2× is judged on the second). */
export function ratio(value: number, baseline: number): string {
  const times = value / baseline;
  if (!Number.isFinite(times)) return "–";
  return `${times.toFixed(times < 10 ? 2 : 1)}×`;
}

export function mbPerSecond(bytes: number, elapsedMs: number): number {
  return bytes / 1e6 / (elapsedMs / 1000);
}

/** Columns padded to their widest cell; the first column left-aligned, the rest right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join("  ")
      .trimEnd();
  const rule = widths.map((width) => "─".repeat(width)).join("  ");
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** Where the figures come from: they only compare with figures from the same kind of machine. */
export function machine(): string {
  const cpus = os.cpus();
  return [
    `machine: ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? "unknown"}), ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    `         ${os.platform()} ${os.release()} ${os.arch()}, node ${process.version}`,
  ].join("\n");
}
