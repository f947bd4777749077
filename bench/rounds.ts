// Interleaved rounds: on a 2-core machine shared with other work, figures measured once each,
// one after the other, swing by ±30% because the load changes between them. Measuring the
// baseline and the candidate in short alternating rounds (ABBA order, so neither always goes
// first) and taking the median of the per-round ratios cancels most of that drift.

export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Every round's value, in round order. */
  values: number[];
}

export function spread(values: number[]): Spread {
  if (values.length === 0) throw new Error('spread of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, values };
}

/**
 * Runs `measure` over `rounds` rounds, each measuring every name in `names` once; odd rounds take
 * the names in reverse order. Returns each name's per-round figures. A first warm-up round is
 * measured and dropped, so lazy start-up (worker threads, sessions, JIT) counts in no round.
 */
export async function alternateRounds<N extends string>(
  names: readonly N[],
  rounds: number,
  measure: (name: N, round: number) => Promise<number>,
): Promise<Record<N, number[]>> {
  const out = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<N, number[]>;
  for (let round = -1; round < rounds; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const value = await measure(name, round);
      if (round >= 0) out[name].push(value);
    }
  }
  return out;
}

/** Per-round ratios of two series measured in the same rounds. */
export function ratios(numerator: number[], denominator: number[]): number[] {
  return numerator.map((v, i) => v / denominator[i]!);
}

/** `ratio NAME MEDIAN` (the line the bench contract reads), then the spread on its own line. */
export function printRatio(name: string, s: Spread, digits = 2): void {
  console.log(`ratio ${name} ${s.median.toFixed(digits)}`);
  console.log(
    `  spread ${name}: min ${s.min.toFixed(digits)}, max ${s.max.toFixed(digits)} over ${s.values.length} rounds (${s.values.map((v) => v.toFixed(digits)).join(' ')})`,
  );
}
