/**
 * Issue 22: the usage families keydrift reads are the spec's own. Every `/organization/usage/*`
 * path of the official OpenAPI spec (tests/fixtures/schemas/openai-openapi.yaml) is either read
 * (its `group_by` accepts `api_key_id` and it filters by `api_key_ids`) or left out because it
 * cannot attribute use to a key; the costs endpoint groups by key and carries each result's
 * `amount.value`, `amount.currency` and `api_key_id`.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { schemaFixture, specPaths } from "./_openapi.ts";
import { USAGE_FAMILIES } from "../lib/core/types.ts";
import { COSTS_PATH } from "../lib/api/costs.ts";

// deno-lint-ignore no-explicit-any
type Param = { name: string; in: string; schema?: any };

/** The query parameters of `GET path` in the spec. */
function params(path: string): Param[] {
  const op = specPaths()[path]?.get;
  ok(op, `the spec has GET ${path}`);
  return (op.parameters ?? []) as Param[];
}

/** The values the spec's `group_by` of `GET path` accepts. */
function groupBy(path: string): string[] {
  const p = params(path).find((x) => x.name === "group_by" && x.in === "query");
  return p?.schema?.items?.enum ?? [];
}

const USAGE = "/organization/usage/";

Deno.test("the usage families read are exactly the spec's usage paths whose group_by accepts api_key_id and that filter by api_key_ids; the others group by project only", () => {
  const families = Object.keys(specPaths()).filter((p) => p.startsWith(USAGE))
    .map((p) => p.slice(USAGE.length));
  const byKey = families.filter((f) => groupBy(USAGE + f).includes("api_key_id"));
  assertEquals([...byKey].sort(), [...USAGE_FAMILIES].sort());
  for (const f of byKey) {
    ok(params(USAGE + f).some((p) => p.name === "api_key_ids"), `${f} filters by api_key_ids`);
  }
  const left = families.filter((f) => !byKey.includes(f)).sort();
  assertEquals(left, ["code_interpreter_sessions", "vector_stores"]);
  for (const f of left) {
    assertEquals(groupBy(USAGE + f), ["project_id"]);
    ok(!params(USAGE + f).some((p) => p.name === "api_key_ids"), `${f} has no key filter`);
  }
});

Deno.test("the costs endpoint groups by api_key_id and filters by api_key_ids; its results carry amount.value, amount.currency and api_key_id", () => {
  ok(groupBy(COSTS_PATH).includes("api_key_id"));
  ok(params(COSTS_PATH).some((p) => p.name === "api_key_ids"));
  const spec = schemaFixture("openai-admin-openapi.json") as {
    // deno-lint-ignore no-explicit-any
    components: { schemas: Record<string, any> };
  };
  const result = spec.components.schemas.CostsResult;
  ok(result.properties.api_key_id, "CostsResult has api_key_id");
  assertEquals(Object.keys(result.properties.amount.properties).sort(), ["currency", "value"]);
  assertEquals(result.properties.amount.properties.value.type, "number");
});
