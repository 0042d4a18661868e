/**
 * A direct-mapped cache of rejected pairs (2^20 slots, 8 MiB): it only saves recomputing a Jaccard
 * whose answer is known, so eviction changes speed, never results.
 */
export class PairCache {
  private readonly xs = new Uint32Array(1 << 20);
  private readonly ys = new Uint32Array(1 << 20);

  private slot(x: number, y: number): number {
    return (Math.imul(x ^ Math.imul(y, 0x9e3779b1), 0x85ebca6b) >>> 12) & 0xfffff;
  }

  has(x: number, y: number): boolean {
    const i = this.slot(x, y);
    return this.xs[i] === x + 1 && this.ys[i] === y;
  }

  add(x: number, y: number): void {
    const i = this.slot(x, y);
    this.xs[i] = x + 1;
    this.ys[i] = y;
  }
}
