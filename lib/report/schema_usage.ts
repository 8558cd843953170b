/**
 * The usage fields of the JSON report's schema (format 1.2, extended in 1.6 with every usage
 * family, spend, completeness and the verdict on use): `usage` on enriched items and the
 * top-level `enrichment.usage`. `report/schema.ts` holds the rules for changing the schema.
 */
import { Type } from "@sinclair/typebox";
import { closed, count, nullable, stringEnum, text } from "./schema_kit.ts";
import { USAGE_FAMILIES } from "../core/types.ts";

const days = Type.Integer({
  minimum: 1,
  maximum: 90,
  description: "the window, in whole UTC days",
});
const family = stringEnum(USAGE_FAMILIES, "a per-key usage family (/organization/usage/<family>)");
const dollars = (description: string) => Type.Number({ description });

/** A key's use over the last `days` days, across every per-key usage family, and its spend. */
export const UsageSchema = Type.Object({
  days,
  requests: count(
    "requests made with the key in the window, summed over by_family (a lower bound when not complete)",
  ),
  input_tokens: count("input tokens in the window (completions, embeddings, moderations)"),
  output_tokens: count("output tokens in the window (completions)"),
  by_family: Type.Object(
    Object.fromEntries(USAGE_FAMILIES.map((f) => [f, Type.Optional(count(`${f} requests`))])),
    {
      ...closed,
      description: "requests per usage family, for the families with use only " +
        "(model requests; file and web search calls for the two tool families) (1.6)",
    },
  ),
  cost_usd: nullable(
    dollars("spend in US dollars"),
    "the key's spend in the window, in US dollars, from the Costs API; null when unknown (see cost_error) (1.6)",
  ),
  complete: Type.Boolean({
    description:
      "every family was read over the whole window for the key; false: the counts are lower bounds (1.6)",
  }),
  unknown_families: Type.Array(family, {
    description: "the families whose figure for the key is unknown (see usage_error) (1.6)",
  }),
}, { ...closed, title: "usage", description: "how much the key was used (--usage DAYS)" });

/** The usage fields besides `usage` that enriched items carry (1.6). */
export const USAGE_ITEM_FIELDS = {
  usage_verdict: Type.Optional(stringEnum(
    ["used", "unused", "unknown", "inconsistent"],
    "--usage: used (a family counts a request); unused (every family read whole, no request, " +
      "no last_used_at or spend in the window); unknown (no request counted, but a family could " +
      "not be read whole); inconsistent (no request counted, but last_used_at or spend falls in " +
      "the window) (1.6)",
  )),
  cost_error: Type.Optional(text("--usage: why usage.cost_usd is null (1.6)")),
};

/** `enrichment.usage`: whether usage was read, what failed in part, the undeclared keys' spend. */
export const UsageStatusSchema = Type.Object({
  days: Type.Integer({ minimum: 1, maximum: 90, description: "the window in days" }),
  error: nullable(
    text("why usage could not be read"),
    "why no key's usage could be read at all, or null",
  ),
  incomplete: Type.Optional(Type.Array(
    Type.Object({
      family: stringEnum([...USAGE_FAMILIES, "costs"], "the usage family, or costs"),
      keys: count("how many keys the failed query covered"),
      error: text("why it failed"),
    }, closed),
    { description: "queries that failed, each leaving its keys' figure unknown (1.6)" },
  )),
  unexpected_spend: Type.Optional(Type.Object({
    cost_usd: dollars("the known spend of the unexpected keys summed, in US dollars"),
    keys: count("how many unexpected keys the sum covers"),
    unknown_keys: count(
      "how many unexpected keys have an unknown spend (the sum is then a lower bound)",
    ),
  }, {
    ...closed,
    description: "the spend of the keys nobody declared, over the window (1.6)",
  })),
}, { ...closed, description: "--usage" });
