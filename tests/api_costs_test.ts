/**
 * The spend part of readKeyUsage() (`lib/api/costs.ts`) against the Costs API written here from the
 * OpenAPI spec (`_usage_server.ts`): `amount.value` summed per key in integer nano-units, in US
 * dollars only; a failed or short answer, another currency or an amount out of range leave the
 * spend unknown, never zero.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { type KeyCounts, readKeyUsage } from "../lib/api/usage.ts";
import { NOW, NOW_S } from "./_helpers.ts";
import { assertSpec, envelope, frontDoor, type Handler, json, wire } from "./_spec_servers.ts";
import { costOf, DAY, usageRoutes, type Use } from "./_usage_server.ts";

const NOW_MS = NOW + 13 * 3600 * 1000;
const END = NOW_S + 13 * 3600;
const IN = NOW_S - DAY;

const cost = (c: KeyCounts | undefined) =>
  !c ? undefined : "nanos" in c.cost ? Number(c.cost.nanos) / 1e9 : c.cost;

async function read(uses: Use[], ids: string[], extra: Record<string, Handler> = {}) {
  const w = wire(frontDoor({ ...usageRoutes(uses, END), ...extra }));
  const usage = await readKeyUsage(w.core, { keyIds: ids, days: 7, now: NOW_MS });
  return { usage, requests: w.requests };
}

Deno.test("costs: one query grouped by api_key_id for the keys asked, its amounts summed per key without floating error", async () => {
  // Ten costs of 0.1: summed as numbers they make 0.9999999999999999.
  const tenths = Array.from({ length: 10 }, (_, i) => ({
    key: "key_a",
    at: NOW_S - (i % 7) * DAY,
    cost: 0.1,
  }));
  const { usage, requests } = await read(
    [...tenths, { key: "key_b", at: IN, cost: 12.345678 }, {
      key: "key_b",
      at: IN - DAY,
      cost: 0.06,
    }],
    ["key_a", "key_b", "key_c"],
  );
  assertEquals(tenths.reduce((n, u) => n + u.cost, 0) === 1, false);
  assertEquals(cost(usage.keys.get("key_a")), 1);
  assertEquals(cost(usage.keys.get("key_b")), 12.405678);
  assertEquals(cost(usage.keys.get("key_c")), 0);
  const costs = requests.filter((r) => r.url.pathname === "/v1/organization/costs");
  assertEquals(costs.length, 1);
  assertEquals([...costs[0].url.searchParams], [
    ["start_time", String(NOW_S - 6 * DAY)],
    ["bucket_width", "1d"],
    ["group_by[]", "api_key_id"],
    ["limit", "7"],
    ["api_key_ids[]", "key_a"],
    ["api_key_ids[]", "key_b"],
    ["api_key_ids[]", "key_c"],
  ]);
});

Deno.test("costs: a key whose spend comes in another currency, or in more than one, has an unknown spend saying so; the others' stand", async () => {
  const { usage } = await read([
    { key: "key_eur", at: IN, cost: 3, currency: "eur" },
    { key: "key_mix", at: IN, cost: 1, currency: "usd" },
    { key: "key_mix", at: IN - DAY, cost: 2, currency: "eur" },
    { key: "key_usd", at: IN, cost: 4.5 },
  ], ["key_eur", "key_mix", "key_usd"]);
  assertEquals(cost(usage.keys.get("key_eur")), {
    unknown:
      `the costs API reports the key's spend in "eur", not "usd"; keydrift sums US dollars only`,
  });
  assertEquals(cost(usage.keys.get("key_mix")), {
    unknown:
      `the costs API reports the key's spend in more than one currency ("eur", "usd"); keydrift sums US dollars only`,
  });
  assertEquals(cost(usage.keys.get("key_usd")), 4.5);
});

Deno.test("costs: a failed query, a short window or a result not grouped by key leave the spend of its keys unknown, never zero; usage stands", async () => {
  const page = (data: unknown[]) => ({ object: "page", data, has_more: false, next_page: null });
  const bucket = (at: number, results: unknown[] = []) => ({
    object: "bucket",
    start_time: at,
    end_time: at + DAY,
    results,
  });
  const week = Array.from({ length: 7 }, (_, i) => NOW_S - (6 - i) * DAY);
  const cases: [string, Handler, RegExp][] = [
    ["a 500", () => json(500, envelope("The server had an error")), /answered 500/],
    [
      "a 403",
      () => json(403, envelope("No access")),
      /^permission denied: the admin key cannot read costs/,
    ],
    [
      "a short window",
      () => json(200, page(week.slice(2).map((at) => bucket(at)))),
      /has no bucket for 2026-11-14 and 1 more day/,
    ],
    [
      "results not grouped",
      () => json(200, page(week.map((at) => bucket(at, [costOf(null, "usd", 1)])))),
      /not grouped by api_key_id/,
    ],
  ];
  for (const [name, handler, why] of cases) {
    const { usage } = await read(
      [{ key: "key_a", at: IN, cost: 1, requests: 3 }],
      ["key_a", "key_b"],
      { "/organization/costs": handler },
    );
    for (const k of ["key_a", "key_b"]) {
      const c = cost(usage.keys.get(k)) as { unknown: string };
      ok(why.test(c.unknown ?? ""), `${name}: ${JSON.stringify(c)}`);
    }
    assertEquals(Object.fromEntries(usage.keys.get("key_a")!.byFamily), { completions: 3 }, name);
    assertEquals(usage.failures.map((f) => [f.family, f.keys]), [["costs", 2]], name);
  }
});

Deno.test("costs: an amount past a trillion leaves that key's spend unknown; the other keys' stand", async () => {
  const { usage } = await read([
    { key: "key_a", at: IN, cost: 2e12 },
    { key: "key_b", at: IN, cost: 7.25 },
  ], ["key_a", "key_b"]);
  const a = cost(usage.keys.get("key_a")) as { unknown: string };
  ok(
    /amount 2000000000000 in the bucket of 2026-11-19 is not an amount keydrift can sum/.test(
      a.unknown,
    ),
    a.unknown,
  );
  assertEquals(cost(usage.keys.get("key_b")), 7.25);
});

Deno.test("the test server's costs results are valid CostsResult objects", () => {
  assertSpec("CostsResult", costOf("key_a", "usd", 0.06));
});
