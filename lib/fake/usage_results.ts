/**
 * One result of each usage family and of the Costs API, as the spec's schemas describe them
 * (`UsageCompletionsResult`, ..., `CostsResult`), summed over the records of one group. The
 * dimensions the query did not group by are null; those the fake does not model are always null.
 */
import type { Json, UsageDim as Dim, UsageEndpoint, UsageRow as Row } from "./types.ts";

type Count = "requests" | "input_tokens" | "output_tokens" | "units";

const sum = (rs: readonly Row[], f: Count) => rs.reduce((n, r) => n + r[f], 0);

/** The grouped dimensions of a result: each one grouped by carries the group's value. */
function dims(group: readonly string[], rs: readonly Row[], names: readonly Dim[]): Json {
  return Object.fromEntries(names.map((d) => [d, group.includes(d) ? rs[0][d] : null]));
}

const BY_KEY: readonly Dim[] = ["project_id", "user_id", "api_key_id"];

/** The counts of each family's result, by its own names. */
const COUNTS: Record<UsageEndpoint, (rs: readonly Row[]) => Json> = {
  completions: (rs) => ({
    input_tokens: sum(rs, "input_tokens"),
    output_tokens: sum(rs, "output_tokens"),
    input_cached_tokens: 0,
    input_audio_tokens: 0,
    output_audio_tokens: 0,
    num_model_requests: sum(rs, "requests"),
  }),
  embeddings: (rs) => ({
    input_tokens: sum(rs, "input_tokens"),
    num_model_requests: sum(rs, "requests"),
  }),
  moderations: (rs) => ({
    input_tokens: sum(rs, "input_tokens"),
    num_model_requests: sum(rs, "requests"),
  }),
  images: (rs) => ({ images: sum(rs, "units"), num_model_requests: sum(rs, "requests") }),
  audio_speeches: (rs) => ({
    characters: sum(rs, "units"),
    num_model_requests: sum(rs, "requests"),
  }),
  audio_transcriptions: (rs) => ({
    seconds: sum(rs, "units"),
    num_model_requests: sum(rs, "requests"),
  }),
  vector_stores: (rs) => ({ usage_bytes: sum(rs, "units") }),
  code_interpreter_sessions: (rs) => ({ num_sessions: sum(rs, "units") }),
  file_search_calls: (rs) => ({ num_requests: sum(rs, "requests") }),
  web_search_calls: (rs) => ({
    num_model_requests: sum(rs, "units"),
    num_requests: sum(rs, "requests"),
  }),
};

/** The `object` of each family's result (the tool families use their own names). */
const OBJECT: Record<UsageEndpoint, string> = {
  completions: "completions",
  embeddings: "embeddings",
  moderations: "moderations",
  images: "images",
  audio_speeches: "audio_speeches",
  audio_transcriptions: "audio_transcriptions",
  vector_stores: "vector_stores",
  code_interpreter_sessions: "code_interpreter_sessions",
  file_search_calls: "file_searches",
  web_search_calls: "web_searches",
};

/** The dimensions each family's result carries besides the grouped ones (always null here). */
const UNMODELLED: Record<UsageEndpoint, string[]> = {
  completions: ["model", "batch", "service_tier"],
  embeddings: ["model"],
  moderations: ["model"],
  images: ["source", "size", "model"],
  audio_speeches: ["model"],
  audio_transcriptions: ["model"],
  vector_stores: [],
  code_interpreter_sessions: [],
  file_search_calls: ["vector_store_id"],
  web_search_calls: ["model", "context_level"],
};

/** One result of `endpoint` over the records `rs` of one group. */
export function familyResult(endpoint: UsageEndpoint, group: readonly string[], rs: Row[]): Json {
  const projectOnly = endpoint === "vector_stores" || endpoint === "code_interpreter_sessions";
  return {
    object: `organization.usage.${OBJECT[endpoint]}.result`,
    ...COUNTS[endpoint](rs),
    ...dims(group, rs, projectOnly ? ["project_id"] : BY_KEY),
    ...Object.fromEntries(UNMODELLED[endpoint].map((d) => [d, null])),
  };
}

/**
 * One costs result over the records `rs` of one group (and one currency): their cost summed in
 * nano-units (no floating error), with the grouped dimensions; `line_item` is the records' family.
 */
export function costResult(group: readonly string[], rs: Row[]): Json {
  const nanos = rs.reduce((n, r) => n + BigInt(Math.round(r.cost * 1e9)), 0n);
  return {
    object: "organization.costs.result",
    amount: { value: Number(nanos) / 1e9, currency: rs[0].currency },
    line_item: group.includes("line_item") ? rs[0].endpoint : null,
    project_id: group.includes("project_id") ? rs[0].project_id : null,
    api_key_id: group.includes("api_key_id") ? rs[0].api_key_id : null,
    quantity: null,
    quantity_unit: null,
  };
}
