// Splitting a phase's target across its sources by weight.

/** Split `total` into integers proportional to `weights` (largest remainder; ties to the earlier entry). Sums to `total` exactly. */
export function apportion(total: number, weights: readonly number[]): number[] {
  const w = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((x) => (total * x) / w);
  const out = exact.map((x) => Math.floor(x));
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) out[order[k][1]]++;
  return out;
}

/**
 * Split `total` by `weights` (largest remainder, as `apportion`), but no part above its
 * `capacity`: a capped source's shortfall goes to the others in proportion to their weights,
 * repeated until every part fits (water-filling). The parts sum to min(total, sum of capacities).
 */
export function rebalanced(total: number, weights: readonly number[], capacity: readonly number[]): number[] {
  const parts = weights.map(() => 0);
  const open = weights.map((_, j) => j);
  let left = total;
  while (open.length > 0 && left > 0) {
    const share = apportion(
      left,
      open.map((j) => weights[j]),
    );
    const over = open.filter((j, k) => share[k] > capacity[j]);
    if (over.length === 0) {
      open.forEach((j, k) => {
        parts[j] = share[k];
      });
      return parts;
    }
    for (const j of over) {
      parts[j] = capacity[j];
      left -= capacity[j];
      open.splice(open.indexOf(j), 1);
    }
  }
  return parts;
}
