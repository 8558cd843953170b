/**
 * The cap on what a fake state file makes: a `generate:` block or `usage_daily:` makes records
 * from a number, and a number is cheap to write (`count: 100000000`). They are counted before
 * any is made, so that a state too large is a located error, not a fake out of memory.
 */

/**
 * The most keys and daily usage records a state may make (`generate.count`, `usage_daily.days`,
 * and the keys listed): ten times the bench's largest organisation (100,000 keys); a million
 * generated keys take the fake 640 MB.
 */
export const MAX_FAKE_RECORDS = 1_000_000;

// deno-lint-ignore no-explicit-any
type Obj = Record<string, any>;

/**
 * Whether the keys and usage records `projects` (a state file's, checked against its schema)
 * make stay within {@link MAX_FAKE_RECORDS}; if not, one located problem, at the field that
 * passes the cap.
 */
export function withinCap(
  projects: readonly Obj[],
  bad: (o: object, f: string | undefined, msg: string) => void,
): boolean {
  let total = 0;
  const add = (o: Obj, field: string | undefined, n: number) => {
    total += n;
    if (total <= MAX_FAKE_RECORDS) return true;
    bad(
      o,
      field,
      `${field ? `"${field}"` : "this key"} makes the fake generate ${
        total.toLocaleString("en-US")
      } keys and usage records or more, over its cap of ${
        MAX_FAKE_RECORDS.toLocaleString("en-US")
      }; generate fewer`,
    );
    return false;
  };
  for (const p of projects) {
    for (const k of (p.keys ?? []) as Obj[]) {
      if (!add(k, undefined, 1)) return false;
      if (k.usage_daily && !add(k.usage_daily, "days", k.usage_daily.days)) return false;
    }
    const g = p.generate as Obj | undefined;
    if (!g) continue;
    if (!add(g, "count", g.count)) return false;
    if (g.usage_daily && !add(g.usage_daily, "days", g.count * g.usage_daily.days)) return false;
  }
  return true;
}
