/**
 * The enrichment stage against an independent server written from the OpenAPI spec (sharing
 * nothing with lib/fake/): its audit-log and usage answers are validated against the spec's
 * schemas before they are sent.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { all, assertSpec, envelope, frontDoor, json, wire } from "./_spec_servers.ts";
import { resultOf, usageRoutes } from "./_usage_server.ts";
import { USAGE_FAMILIES } from "../lib/core/types.ts";
import { NOW, NOW_S } from "./_helpers.ts";
import { enrich, type EnrichRequest } from "../lib/enrich/enrich.ts";
import { readEnrichment } from "../lib/commands/enrichment.ts";
import { type Assessment, emptyAssessment } from "../lib/assess/assessment.ts";
import { buildReport } from "../lib/report/report.ts";
import { worded } from "../lib/render/words.ts";
import { POLICIES } from "../policies/mod.ts";
import type { Drift, Finding } from "../lib/core/types.ts";

type Json = Record<string, unknown>;
const DAY = 86_400;

const unexpected = (keyId: string): Drift => ({
  kind: "unexpected",
  severity: "error",
  projectId: "proj_a",
  keyId,
  keyName: keyId.replace("key_", ""),
  changes: [],
  location: { file: "keydrift.yaml", line: 3, column: 5 },
});
const finding = (keyId: string, policy: string): Finding => ({
  policy,
  severity: "warning",
  projectId: "proj_a",
  keyId,
  keyName: keyId.replace("key_", ""),
  facts: {},
  waived: false,
  waiver: null,
  location: { file: "keydrift.yaml", line: 3, column: 5 },
});

/** An assessment of these items; every key was created 50 days before the clock. */
function assessed(drift: Drift[], findings: Finding[]): Assessment {
  const keys = [...drift, ...findings].map((x): [string, number] => [x.keyId!, NOW_S - 50 * DAY]);
  return {
    ...emptyAssessment(null, POLICIES),
    drift,
    findings,
    liveKeys: 3,
    facts: {
      now: NOW_S,
      createdAt: new Map(keys),
      owners: new Map(),
      options: new Map(),
      accounts: new Map(),
      archived: new Set(),
    },
  };
}

const CARL_SESSION = {
  type: "session",
  session: {
    user: { id: "user-carl", email: "carl@example.test" },
    ip_address: "203.0.113.7",
    user_agent: "curl/8.5.0",
  },
};
const SA_KEY = {
  type: "api_key",
  api_key: { id: "key_admin", type: "service_account", service_account: { id: "svc_ops" } },
};

const EVENTS: Json[] = [
  {
    id: "audit_log-1",
    type: "api_key.created",
    effective_at: NOW_S - 40 * DAY,
    project: { id: "proj_a" },
    actor: CARL_SESSION,
    "api_key.created": { id: "key_old", data: { scopes: [] } },
  },
  {
    id: "audit_log-2",
    type: "api_key.created",
    effective_at: NOW_S - 30 * DAY,
    project: { id: "proj_a" },
    actor: SA_KEY,
    "api_key.created": { id: "key_bot", data: { scopes: [] } },
  },
];
const USES: Record<string, number> = { key_old: 1234, key_bot: 0, key_idle: 12 };

/**
 * The audit log and completions usage as the spec describes them, one page each (`events` and
 * `counts` replace the log and change a key's usage result).
 */
function server(
  o: {
    audit: "ok" | "disabled" | "denied";
    events?: Json[];
    counts?: Record<string, Json>;
  },
) {
  return frontDoor({
    "/organization/audit_logs": (url) => {
      if (o.audit === "disabled") {
        return json(403, envelope("Audit logging is not enabled for this organization."));
      }
      if (o.audit === "denied") {
        return json(
          401,
          envelope(
            "You have insufficient permissions for this operation. Missing scopes: api.audit_logs.read.",
          ),
        );
      }
      const types = all(url, "event_types");
      const ids = all(url, "resource_ids");
      const gte = Number(url.searchParams.get("effective_at[gte]"));
      const data = (o.events ?? EVENTS).filter((e) =>
        types.includes(e.type as string) &&
        ids.includes((e[e.type as string] as Json).id as string) &&
        (e.effective_at as number) >= gte
      );
      const page = {
        object: "list",
        data,
        first_id: data[0]?.id ?? null,
        last_id: data.at(-1)?.id ?? null,
        has_more: false,
      };
      assertSpec("ListAuditLogsResponse", page);
      return json(200, page);
    },
    ...usageRoutes([], NOW_S),
    "/organization/usage/completions": (url) => {
      const byKey = all(url, "group_by").includes("api_key_id");
      const start = Number(url.searchParams.get("start_time"));
      const used = Object.keys(USES).filter((k) => USES[k]);
      const results = byKey
        ? all(url, "api_key_ids").filter((k) => USES[k]).map((k) => ({
          ...resultOf("completions", k, [{
            key: k,
            at: start,
            requests: USES[k],
            input: USES[k] * 10,
            output: USES[k],
          }]),
          ...o.counts?.[k],
        }))
        : [
          resultOf(
            "completions",
            null,
            used.map((k) => ({ key: k, at: start, requests: USES[k] })),
          ),
        ];
      // Daily buckets from start_time to the clock (today's has not begun); the use yesterday.
      const data = Array.from({ length: (NOW_S - start) / DAY }, (_, i) => ({
        object: "bucket",
        start_time: start + i * DAY,
        end_time: start + (i + 1) * DAY,
        results: start + (i + 1) * DAY === NOW_S ? results : [],
      }));
      const body = { object: "page", data, has_more: false, next_page: null };
      assertSpec("UsageResponse", body);
      return json(200, body);
    },
  });
}

const REQ: EnrichRequest = { attribute: true, usageDays: 7 };
const base = () =>
  assessed([unexpected("key_old"), unexpected("key_bot")], [finding("key_idle", "key-never-used")]);

async function run(
  audit: "ok" | "disabled" | "denied",
  tweak: { events?: Json[]; counts?: Record<string, Json> } = {},
) {
  const w = wire(server({ audit, ...tweak }));
  const a = base();
  const data = await readEnrichment(w.core, a, REQ, NOW);
  const enriched = enrich(a, data, REQ);
  const report = (x: Assessment) => buildReport(x, { failOn: "error" });
  return { before: report(a), after: report(enriched), requests: w.requests };
}

Deno.test("against a spec server: attribution from api_key.created (email, time, IP; service account), usage counts per family, one GET per family and one grouped GET for the family with use", async () => {
  const { before, after, requests } = await run("ok");
  assertEquals(
    requests.map((q) => `${q.method} ${q.url.pathname}`).sort(),
    [
      "GET /v1/organization/audit_logs",
      "GET /v1/organization/costs",
      ...USAGE_FAMILIES.map((f) => `GET /v1/organization/usage/${f}`),
      "GET /v1/organization/usage/completions",
    ].sort(),
  );
  const [old, bot] = [
    after.drift.find((d) => d.keyId === "key_old")!,
    after.drift.find((d) => d.keyId === "key_bot")!,
  ];
  assertEquals(old.attribution, {
    event: "api_key.created",
    at: NOW_S - 40 * DAY,
    actor: {
      type: "session",
      user_id: "user-carl",
      email: "carl@example.test",
      api_key_id: null,
      service_account_id: null,
    },
    ip_address: "203.0.113.7",
    user_agent: "curl/8.5.0",
  });
  assertEquals(bot.attribution?.actor?.service_account_id, "svc_ops");
  assertEquals(old.usage, {
    days: 7,
    requests: 1234,
    input_tokens: 12340,
    output_tokens: 1234,
    by_family: { completions: 1234 },
    cost_usd: 0,
    complete: true,
    unknown_families: [],
  });
  assertEquals([bot.usage?.requests, bot.usageVerdict], [0, "unused"]);
  // The used unexpected key comes first; verdicts are unchanged.
  assertEquals(after.drift.map((d) => d.keyId), ["key_old", "key_bot"]);
  assertEquals([after.status, after.exitCode, after.summary], [
    before.status,
    before.exitCode,
    before.summary,
  ]);
  const idle = after.findings[0];
  assertEquals(idle.attribution, null);
  ok(idle.attributionError?.startsWith("no api_key.created or api_key.updated event"));
  assertEquals(idle.usageContradicts, true);
  assertEquals(
    worded(after).findings[0].usageNote,
    "the usage API counts 12 requests (completions 12) in the last 7 days, which contradicts last_used_at",
  );
  for (const x of [...after.drift, ...after.findings]) ok(x.remediation, JSON.stringify(x));
});

Deno.test("against a spec server: audit log refused (not enabled, permission denied) leaves usage, drift and exit code alone", async () => {
  for (
    const [audit, why] of [
      ["disabled", "audit logging is not enabled for the organisation"],
      [
        "denied",
        "permission denied: the admin key cannot read audit logging (the audit-log read permission (api.audit_logs.read))",
      ],
    ] as const
  ) {
    const { before, after } = await run(audit);
    assertEquals([after.status, after.exitCode, after.drift.length], [
      before.status,
      before.exitCode,
      before.drift.length,
    ]);
    for (const x of [...after.drift, ...after.findings]) {
      assertEquals([x.attribution, x.attributionError], [null, why]);
    }
    assertEquals(after.drift.find((d) => d.keyId === "key_old")!.usage?.requests, 1234);
    assertEquals(after.enrichment, {
      attribution: { error: why },
      usage: {
        days: 7,
        error: null,
        incomplete: [],
        unexpected_spend: { cost_usd: 0, keys: 2, unknown_keys: 0 },
      },
    });
  }
});

Deno.test("against a spec server: an audit event dated in the future (2029) and usage counts out of range (negative, past 2^53 - 1) leave that key's attribution or usage unknown with why; the other keys' stand, verdicts unchanged", async () => {
  const in2029 = Date.UTC(2029, 0, 1) / 1000;
  const events = [{ ...EVENTS[0], effective_at: in2029 }, EVENTS[1]];
  const { before, after } = await run("ok", {
    events,
    counts: { key_old: { num_model_requests: -4 }, key_idle: { input_tokens: 2 ** 60 } },
  });
  assertSpec("AuditLog", events[0]);
  const [old, bot] = [
    after.drift.find((d) => d.keyId === "key_old")!,
    after.drift.find((d) => d.keyId === "key_bot")!,
  ];
  assertEquals([old.attribution, old.attributionError], [
    null,
    "the audit log dates its api_key.created event for the key 2029-01-01T00:00:00Z, in the future; who acted is unknown",
  ]);
  assertEquals(bot.attribution?.actor?.service_account_id, "svc_ops");
  // The other families read zero: a lower bound of 0 with completions unknown is not "unused".
  assertEquals([old.usage?.complete, old.usage?.unknown_families, old.usageVerdict], [
    false,
    ["completions"],
    "unknown",
  ]);
  assertEquals(
    old.usageError,
    `completions: the usage API's "num_model_requests" is -4 in the bucket of 2026-11-19, not a count from 0 to 2^53 - 1`,
  );
  assertEquals([bot.usage?.requests, bot.usageVerdict], [0, "unused"]);
  const idle = after.findings[0];
  assertEquals([idle.usage?.complete, idle.usageVerdict], [false, "unknown"]);
  ok(/"input_tokens" is 1152921504606846976/.test(idle.usageError!), idle.usageError);
  assertEquals(idle.usageContradicts, undefined, "no note from counts that are unknown");
  assertEquals([after.status, after.exitCode, after.summary], [
    before.status,
    before.exitCode,
    before.summary,
  ]);
  // The reads themselves succeeded: the report says so, the items say what is unknown.
  assertEquals(after.enrichment, {
    attribution: { error: null },
    usage: {
      days: 7,
      error: null,
      incomplete: [],
      unexpected_spend: { cost_usd: 0, keys: 2, unknown_keys: 0 },
    },
  });
});
