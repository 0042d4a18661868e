/**
 * Parquet dates and timestamps as JSON strings (shared by the hyparquet path's parsers and the
 * fast path): ISO-8601 UTC at the stored precision, so rows never depend on the local time zone;
 * null when out of the range of a JS Date.
 */
export function isoFrom(v: bigint | number, perSecond: bigint, digits: number): string | null {
  const n = BigInt(v);
  let secs = n / perSecond;
  let frac = n % perSecond;
  if (frac < 0n) {
    frac += perSecond;
    secs -= 1n;
  }
  const d = new Date(Number(secs) * 1000);
  if (Number.isNaN(d.getTime())) return null;
  return `${d.toISOString().slice(0, 19)}.${frac.toString().padStart(digits, '0')}Z`;
}

/** A DATE (days since 1970-01-01) as `YYYY-MM-DD`. */
export function dateText(days: number): string | null {
  const d = new Date(Number(days) * 86_400_000);
  return Number.isNaN(d.getTime()) ? null : d.toISOString().slice(0, 10);
}
