/** What the bench files share: repeated measurements and their median, and the table's rows. */
export interface Row {
  metric: string;
  value: string;
  ratio?: string;
  target?: string;
  verdict?: string;
}

/** The median of `values` (the lower middle of an even count), and it with its range as text. */
export function spread(values: number[]): { median: number; text: string } {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  const range = sorted.length > 1 ? ` (${sorted[0]!.toFixed(1)}–${sorted[sorted.length - 1]!.toFixed(1)})` : '';
  return { median, text: `${median.toFixed(1)}${range} MiB/s` };
}

export async function repeat<T>(runs: number, measure: (run: number) => Promise<T>): Promise<T[]> {
  const values: T[] = [];
  for (let i = 0; i < runs; i++) values.push(await measure(i));
  return values;
}

/** Runs of each noisy measurement: BENCH_RUNS, 5 by default. */
export const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5));
