import { deepStrictEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { grouped } from "../lib/core/grouped.ts";

Deno.test("grouped() writes safe integers as toLocaleString('en-US') does (property, 2,000 samples and edges)", () => {
  for (
    const n of [
      0,
      7,
      999,
      1000,
      -1000,
      12345,
      1234567,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
      -0,
    ]
  ) {
    assertEquals(grouped(n), n.toLocaleString("en-US"), String(n));
  }
  fc.assert(
    fc.property(fc.maxSafeInteger(), (n) => {
      assertEquals(grouped(n), n.toLocaleString("en-US"));
    }),
    { numRuns: 2000 },
  );
});

Deno.test("grouped() leaves other numbers to toLocaleString('en-US')", () => {
  for (const n of [1.5, 1234.5, -1234.5, 2 ** 53, -(2 ** 53), 1e21, -1e21, NaN, Infinity]) {
    assertEquals(grouped(n), n.toLocaleString("en-US"), String(n));
  }
});
