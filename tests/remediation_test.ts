/**
 * The fix for each item, as data (SPEC 10.5, 11.3): its action, the ids it acts on, and a method
 * and path that are an operation of the published OpenAPI spec exactly when `in_published_spec`
 * says so; the words for it are the renderers'.
 */
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { remediateDrift, remediateFinding } from "../lib/enrich/remediation.ts";
import { entryKey, type RunFacts } from "../lib/assess/assessment.ts";
import { driftFixWords, findingFixWords } from "../lib/render/words.ts";
import { type Drift, type Finding, ORG, type Remediation } from "../lib/core/types.ts";
import { POLICIES } from "../policies/mod.ts";
import { schemaFixture } from "./_openapi.ts";

const NOW = 1_800_000_000;
const at = { file: "keydrift.yaml", line: 45, column: 7 };
const facts = (owners: RunFacts["owners"] = new Map()): RunFacts => ({
  now: NOW,
  createdAt: new Map([["key_1", NOW - 10 * 86_400]]),
  owners,
  options: new Map(),
});
const drift = (kind: Drift["kind"], extra: Partial<Drift> = {}): Drift => ({
  kind,
  severity: "error",
  projectId: "proj_a",
  keyId: "key_1",
  keyName: "ci",
  changes: [],
  location: at,
  ...extra,
});
const finding = (policy: string, extra: Partial<Finding> = {}): Finding => ({
  policy,
  severity: "error",
  projectId: "proj_a",
  keyId: "key_1",
  keyName: "ci",
  facts: {},
  waived: false,
  waiver: null,
  location: at,
  ...extra,
});
const policy = (id: string) => POLICIES.find((p) => p.id === id);

/** The published spec's operations: `/organization/...` path templates and their methods. */
const OPERATIONS = (schemaFixture("openai-admin-openapi.json") as {
  operations: Record<string, string[]>;
}).operations;

/** Whether `method path` is an operation of the published spec (ids fill the templates). */
function published(r: Remediation): boolean {
  return Object.entries(OPERATIONS).some(([template, methods]) =>
    new RegExp(`^${template.replace(/\{[a-z_]+\}/g, "[^/]+")}$`).test(r.path) &&
    methods.includes(r.method.toLowerCase())
  );
}

Deno.test("every API fix is an operation of the published spec exactly when in_published_spec says so; a manifest edit says null", () => {
  const sa = { type: "service_account" as const, name: "bot" };
  const fixes = [
    remediateDrift(drift("unexpected"), facts()),
    remediateDrift(drift("unexpected", { projectId: ORG, keyType: "admin" }), facts()),
    remediateDrift(
      drift("missing", { keyId: null }),
      facts(new Map([[entryKey("proj_a", "ci"), { ...sa, id: "svc_1" }]])),
    ),
    remediateDrift(
      drift("missing", { keyId: null }),
      facts(new Map([[entryKey("proj_a", "ci"), sa]])),
    ),
    remediateFinding(finding("key-no-expiry"), policy("key-no-expiry"), facts()),
    remediateFinding(finding("key-expired"), policy("key-expired"), facts()),
  ];
  assertEquals(fixes.map((r) => r.action), [
    "delete_key",
    "delete_admin_key",
    "create_key",
    "create_service_account",
    "set_expiry",
    "delete_key",
  ]);
  for (const r of fixes) assertEquals(published(r), r.in_published_spec, `${r.method} ${r.path}`);
  // The key update endpoint is the one the published spec lacks.
  assertEquals(fixes.filter((r) => !r.in_published_spec).map((r) => r.action), ["set_expiry"]);
  const edit = remediateDrift(drift("ambiguous"), facts());
  assertEquals([edit.action, edit.method, edit.in_published_spec], ["edit_manifest", "EDIT", null]);
});

Deno.test("the changed-key fix writes the live values into the entry, by value", () => {
  const d = drift("changed", {
    changes: [
      { path: "owner.name", expected: "indexer", actual: "indexer-v2" },
      { path: "owner.email", expected: "a@x.test", actual: null },
    ],
  });
  const r = remediateDrift(d, facts());
  assertEquals(r, {
    action: "edit_manifest",
    method: "EDIT",
    path: "keydrift.yaml:45",
    body: { set: { "owner.name": "indexer-v2", "owner.email": null } },
    ids: { project_id: "proj_a", key_id: "key_1", service_account_id: null },
    in_published_spec: null,
  });
  assertEquals(
    driftFixWords(d, r),
    "If the change was intended, write the live values into the entry; otherwise revert the key.",
  );
});

Deno.test("a finding's fix is its policy's remedy: the words follow the action it came to", () => {
  const tooLong = policy("key-expiry-too-long");
  const limited = (limit: number) =>
    remediateFinding(finding("key-expiry-too-long", { facts: { limit } }), tooLong, facts());
  const inTime = limited(30);
  assertEquals([inTime.action, inTime.body], ["set_expiry", { expires_in_seconds: 20 * 86_400 }]);
  assertEquals(
    findingFixWords(finding("key-expiry-too-long"), inTime, tooLong?.remedy),
    "Set the key to expire at the end of its 30-day limit (1,728,000 seconds).",
  );
  const late = limited(5);
  assertEquals(late.action, "delete_key");
  assertEquals(
    findingFixWords(finding("key-expiry-too-long"), late, tooLong?.remedy),
    "The key is older than the 5-day limit: create a replacement, then delete it.",
  );
  const admin = finding("key-no-expiry", { projectId: ORG, keyType: "admin" });
  const replace = remediateFinding(admin, policy("key-no-expiry"), facts());
  assertEquals([replace.action, replace.ids.project_id], ["delete_admin_key", null]);
  ok(findingFixWords(admin, replace, policy("key-no-expiry")?.remedy).startsWith("Admin keys"));
  const none = remediateFinding(finding("made-up"), undefined, facts());
  assertEquals(none.body, {
    add_waiver: { policy: "made-up", project: "proj_a", key: "ci" },
  });
  assertEquals(
    findingFixWords(finding("made-up"), none, undefined),
    "Fix the key; or accept the finding with a waiver.",
  );
});

Deno.test("the ambiguous edit hint quotes each id, so an id holding a comma stays one id", async () => {
  const { editText } = await import("../lib/render/_enrich.ts");
  const r: Remediation & { summary: string } = {
    summary: "Pin one of the keys.",
    action: "edit_manifest",
    method: "EDIT",
    path: "keydrift.yaml:7",
    body: { pin_one_of: ["key_a1, key_b1", "key_a2"] },
    ids: { project_id: "proj_a", key_id: null, service_account_id: null },
    in_published_spec: null,
  };
  assertEquals(
    editText(r),
    `edit keydrift.yaml:7: set id to one of "key_a1, key_b1", "key_a2"`,
  );
});
