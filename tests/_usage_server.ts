/**
 * The Usage and Costs APIs as the OpenAPI spec describes them, written here from the spec (sharing
 * nothing with lib/fake/): `GET /organization/usage/<family>` for every family that groups by
 * `api_key_id`, and `GET /organization/costs`; `start_time` required, `bucket_width=1d`, `limit`
 * (usage: 7 by default, at most 31; costs: at most 180), `group_by[]`, `api_key_ids[]`, `page` =
 * the previous `next_page`. Every honest answer validates against `UsageResponse` before it is sent.
 */
import { all, assertSpec, envelope, type Handler, json } from "./_spec_servers.ts";
import { USAGE_FAMILIES, type UsageFamily } from "../lib/core/types.ts";

type Json = Record<string, unknown>;
export const DAY = 86_400;

/** One use of a key: a family's requests (and tokens), or a cost, at a time. */
export interface Use {
  key: string;
  at: number;
  family?: UsageFamily;
  requests?: number;
  input?: number;
  output?: number;
  /** A cost (the Costs API), in `currency` (default usd). */
  cost?: number;
  currency?: string;
}

const OBJECT: Record<UsageFamily, string> = {
  completions: "completions",
  embeddings: "embeddings",
  moderations: "moderations",
  images: "images",
  audio_speeches: "audio_speeches",
  audio_transcriptions: "audio_transcriptions",
  file_search_calls: "file_searches",
  web_search_calls: "web_searches",
};

const total = (uses: Use[], f: "requests" | "input" | "output") =>
  uses.reduce((n, u) => n + (u[f] ?? 0), 0);

/** A family's result over `uses`, with the counts the spec requires of it. */
export function resultOf(family: UsageFamily, keyId: string | null, uses: Use[]): Json {
  const requests = total(uses, "requests");
  const counts: Record<UsageFamily, Json> = {
    completions: {
      input_tokens: total(uses, "input"),
      output_tokens: total(uses, "output"),
      num_model_requests: requests,
    },
    embeddings: { input_tokens: total(uses, "input"), num_model_requests: requests },
    moderations: { input_tokens: total(uses, "input"), num_model_requests: requests },
    images: { images: requests * 2, num_model_requests: requests },
    audio_speeches: { characters: requests * 40, num_model_requests: requests },
    audio_transcriptions: { seconds: requests * 9, num_model_requests: requests },
    file_search_calls: { num_requests: requests },
    web_search_calls: { num_model_requests: requests, num_requests: requests },
  };
  return {
    object: `organization.usage.${OBJECT[family]}.result`,
    ...counts[family],
    project_id: null,
    user_id: null,
    api_key_id: keyId,
  };
}

/** A costs result over `uses` (one currency). */
export function costOf(keyId: string | null, currency: string, value: number): Json {
  return {
    object: "organization.costs.result",
    amount: { value, currency },
    line_item: null,
    project_id: null,
    api_key_id: keyId,
    quantity: null,
    quantity_unit: null,
  };
}

export const cursorFor = (at: number) => `page_${btoa(`b:${at}`)}`;

/** The results of one bucket of one endpoint (`costs` or a family). */
function results(what: UsageFamily | "costs", inside: Use[], byKey: boolean): Json[] {
  const groups = byKey ? [...new Set(inside.map((u) => u.key))].sort() : [null];
  return groups.flatMap((k) => {
    const mine = inside.filter((u) => k === null || u.key === k);
    if (what !== "costs") return [resultOf(what, k, mine)];
    const currencies = [...new Set(mine.map((u) => u.currency ?? "usd"))].sort();
    return currencies.map((c) =>
      costOf(k, c, mine.filter((u) => (u.currency ?? "usd") === c).reduce((n, u) => n + u.cost!, 0))
    );
  });
}

/** One endpoint over `uses`, at `end` (Unix seconds). */
function endpoint(
  what: UsageFamily | "costs",
  uses: Use[],
  end: number,
  validate: boolean,
): Handler {
  const maxLimit = what === "costs" ? 180 : 31;
  return (url) => {
    const q = url.searchParams;
    const start = Number(q.get("start_time"));
    if (!q.has("start_time") || !Number.isInteger(start)) {
      return json(400, envelope("Missing required parameter: 'start_time'."));
    }
    if ((q.get("bucket_width") ?? "1d") !== "1d") return json(400, envelope("bucket_width"));
    const limit = Number(q.get("limit") ?? 7);
    if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) {
      return json(400, envelope(`Invalid 'limit': at most ${maxLimit} buckets of 1d`));
    }
    const byKey = all(url, "group_by").includes("api_key_id");
    const keys = all(url, "api_key_ids");
    const page = q.get("page");
    let from = Math.floor(start / DAY) * DAY;
    if (page !== null) {
      let at = NaN;
      try {
        at = Number(atob(page.slice(5)).slice(2));
      } catch { /* not a cursor of this server: 400 below */ }
      if (page !== cursorFor(at)) return json(400, envelope(`Invalid 'page': ${page}`));
      from = at;
    }
    const mine = uses.filter((u) =>
      what === "costs" ? u.cost !== undefined : (u.family ?? "completions") === what && u.requests
    );
    const data: Json[] = [];
    let b = from;
    for (; b < end && data.length < limit; b += DAY) {
      const inside = mine.filter((u) =>
        u.at >= b && u.at < b + DAY && (!keys.length || keys.includes(u.key))
      );
      const rs = inside.length ? results(what, inside, byKey) : [];
      data.push({ object: "bucket", start_time: b, end_time: b + DAY, results: rs });
    }
    const more = b < end;
    const body = { object: "page", data, has_more: more, next_page: more ? cursorFor(b) : null };
    if (validate) assertSpec("UsageResponse", body);
    return json(200, body);
  };
}

/** Every per-key usage family and the costs, over `uses`, at `end`: routes for `frontDoor`. */
export function usageRoutes(
  uses: Use[],
  end: number,
  validate = true,
): Record<string, Handler> {
  return {
    ...Object.fromEntries(
      USAGE_FAMILIES.map((f) => [`/organization/usage/${f}`, endpoint(f, uses, end, validate)]),
    ),
    "/organization/costs": endpoint("costs", uses, end, validate),
  };
}
