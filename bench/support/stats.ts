// Summaries of samples, the same way in every benchmark.

/** The nearest-rank percentile (the smallest sample with at least p % of the samples at or below it); NaN if none. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? NaN;
}
