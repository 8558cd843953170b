/**
 * Money without floating error: amounts as integer nano-units (10^-9 of the currency unit) in a
 * `bigint`, summed exactly; a number again only to be shown or written.
 */

/** Nano-units in one unit of the currency. */
export const NANOS = 1_000_000_000n;
/** The largest amount taken as a real one (a trillion), beyond which a figure is out of range. */
const MAX_AMOUNT = 1e12;

/**
 * `v` (a decimal amount as JSON numbers carry it) in nano-units, rounded to the nearest; null when
 * it is not a finite number or past a trillion either way.
 */
export function toNanos(v: number): bigint | null {
  if (typeof v !== "number" || !Number.isFinite(v) || Math.abs(v) >= MAX_AMOUNT) return null;
  // toFixed works on the exact binary value and rounds at the 9th decimal: 0.06 -> "0.060000000".
  const [whole, frac] = v.toFixed(9).split(".");
  const sign = whole.startsWith("-") ? -1n : 1n;
  return sign * (BigInt(whole.replace("-", "")) * NANOS + BigInt(frac));
}

/** Nano-units as the nearest number of units (one correctly rounded decimal conversion). */
export function fromNanos(n: bigint): number {
  const abs = n < 0n ? -n : n;
  const frac = String(abs % NANOS).padStart(9, "0");
  return Number(`${n < 0n ? "-" : ""}${abs / NANOS}.${frac}`);
}

/** Units that {@link fromNanos} produced, back in nano-units (exact for those). */
export function asNanos(units: number): bigint {
  const n = toNanos(units);
  if (n === null) throw new RangeError(`asNanos(): ${units} is not an amount`);
  return n;
}
