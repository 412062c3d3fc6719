// Small numeric helpers shared by the outbound benchmark's parts.

/** The p-th percentile (nearest rank) of values sorted ascending; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

/** The median of several runs' values (the middle one, or the mean of the two middle ones). */
export function median(values: readonly number[]): number {
  const sorted = [...values].filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export function formatRate(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return `${Math.round(value).toLocaleString('en-US')}/s`;
}

export function formatMs(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value < 10
    ? `${value.toFixed(2)} ms`
    : value < 100
      ? `${value.toFixed(1)} ms`
      : `${Math.round(value)} ms`;
}

export function formatMb(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes === 0) return 'n/a';
  // MB here is 2^20 bytes, as VmRSS's kB are 2^10.
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** `value` when all runs agree to the shown precision, else `median (min–max)`. */
export function formatRange(values: readonly number[], format: (value: number) => string): string {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0) return 'n/a';
  const shown = format(median(finite));
  if (finite.length === 1) return shown;
  const low = format(Math.min(...finite));
  const high = format(Math.max(...finite));
  return low === high ? shown : `${shown} (${low} – ${high})`;
}

/** Pads columns of a table of strings; the first row is the header. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  const line = (row: readonly string[]) =>
    row.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join('  ');
  const [head, ...body] = rows;
  if (!head) return '';
  return [line(head), widths.map((width) => '-'.repeat(width)).join('  '), ...body.map(line)].join('\n');
}
