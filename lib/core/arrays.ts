/**
 * List helpers that hold for any length. Spreading a list into a call (`out.push(...list)`,
 * `Math.min(...list)`) puts every element on the stack, and a few hundred thousand keys, items or
 * lines overflow it ("Maximum call stack size exceeded"): lib/ uses these instead (a test holds
 * it to that).
 */

/** Appends every element of `from` to `into`, one at a time; gives back `into`. */
export function append<T>(into: T[], from: Iterable<T>): T[] {
  for (const x of from) into.push(x);
  return into;
}

/** The smallest of `xs`, or `Infinity` when there is none (as `Math.min()`). */
export function minimum(xs: Iterable<number>): number {
  let min = Infinity;
  for (const x of xs) if (x < min) min = x;
  return min;
}
